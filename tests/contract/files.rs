//! Documents' files: stored and read back by their SHA-256, the same bytes kept
//! once, a document refused unless the store keeps its file, and malformed
//! hashes and names refused before they name anything.

use tend::backend::*;
use tend::domain::*;

use crate::fixture::ids::*;
use crate::fixture::{self, Fixture};
use crate::support::*;

/// Bytes that are not text, with every byte value in them.
fn deck() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..=255u8).cycle().take(70_000));
    bytes
}

fn with_file(title: &str, file: DocumentFile) -> Document {
    Document {
        file: Some(file),
        ..fixture::document(0, HOOLI, title, "deck", "")
    }
}

/// A file put is read back byte for byte by its hash; a document keeping it is
/// written, and reads back with it, alone and in its account's 360.
pub async fn check_file_round_trip(b: &dyn Backend, _fx: &Fixture) {
    let bytes = deck();
    let file = b
        .put_file("Q3 review.pdf", bytes.clone())
        .await
        .expect("put a file");
    assert_eq!(file.sha256, files::sha256_hex(&bytes));
    assert_eq!(
        (file.name.as_str(), file.size),
        ("Q3 review.pdf", bytes.len() as u64)
    );
    assert_eq!(file.media_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        b.read_file(&file.sha256).await.expect("read it back"),
        bytes
    );
    let created = b
        .create(
            "alice",
            Record::Document(with_file("Q3 review", file.clone())),
        )
        .await
        .expect("a document keeping the file");
    let Record::Document(doc) = &created else {
        panic!("a document, got {created:?}");
    };
    assert_eq!(doc.file.as_ref(), Some(&file));
    assert_eq!(doc.link, "", "a document with a file needs no link");
    assert_eq!(
        b.get(EntityKind::Document, doc.id).await.expect("get"),
        created
    );
    let view = b.account(HOOLI).await.expect("the 360");
    let listed = view
        .documents
        .iter()
        .find(|d| d.id == doc.id)
        .expect("listed with its account");
    assert_eq!(listed.file.as_ref(), Some(&file));
    // An empty file is a file too.
    let empty = b
        .put_file("empty.txt", vec![])
        .await
        .expect("an empty file");
    assert_eq!(
        empty.sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(b.read_file(&empty.sha256).await.expect("read"), b"");
}

/// The same bytes put twice, under two names, are one file: one hash, read
/// back the same; each answer keeps the name it was given.
pub async fn check_same_file_kept_once(b: &dyn Backend, _fx: &Fixture) {
    let bytes = deck();
    let first = b.put_file("deck.pdf", bytes.clone()).await.expect("put");
    let again = b
        .put_file("deck (copy).pdf", bytes.clone())
        .await
        .expect("put the same bytes again");
    assert_eq!(first.sha256, again.sha256);
    assert_eq!(again.name, "deck (copy).pdf");
    assert_eq!(b.read_file(&first.sha256).await.expect("read"), bytes);
    let other = b
        .put_file("deck.pdf", b"another deck".to_vec())
        .await
        .expect("put");
    assert_ne!(other.sha256, first.sha256, "other bytes, another file");
    assert_eq!(b.read_file(&first.sha256).await.expect("read"), bytes);
}

/// A document whose file the store does not keep is refused, naming
/// `file.sha256`, whether created, updated or written in a batch; nothing is
/// written.
pub async fn check_document_with_unknown_file_refused(b: &dyn Backend, _fx: &Fixture) {
    let before = snapshot(b).await;
    let unknown = DocumentFile {
        sha256: files::sha256_hex(b"bytes nobody stored"),
        name: "ghost.pdf".into(),
        size: 19,
        media_type: Some("application/pdf".into()),
    };
    let ghost = with_file("Ghost", unknown.clone());
    expect_invalid(
        b.create("alice", Record::Document(ghost.clone())).await,
        "file.sha256",
        "create a document with a file not stored",
    );
    let kept = b
        .create(
            "alice",
            Record::Document(fixture::document(
                0,
                HOOLI,
                "Linked",
                "page",
                "https://docs.example.com/linked",
            )),
        )
        .await
        .expect("a document with a link");
    let after_create = snapshot(b).await;
    let Record::Document(mut linked) = kept else {
        panic!("a document");
    };
    linked.file = Some(unknown.clone());
    expect_invalid(
        b.update("alice", Record::Document(linked.clone())).await,
        "file.sha256",
        "update a document to a file not stored",
    );
    expect_invalid(
        b.apply(
            "alice",
            vec![
                Write::Create {
                    record: Record::Document(fixture::document(
                        0,
                        HOOLI,
                        "Fine",
                        "page",
                        "https://x.example",
                    )),
                },
                Write::Create {
                    record: Record::Document(ghost),
                },
            ],
        )
        .await,
        "writes[1].file.sha256",
        "a batch with a document whose file is not stored",
    );
    assert_same_dataset(
        &snapshot(b).await,
        &after_create,
        "the refused writes wrote nothing",
    );
    assert_ne!(
        before.documents.len(),
        after_create.documents.len(),
        "the linked document was written"
    );
    // A document without a file still needs its link.
    let mut bare = fixture::document(0, HOOLI, "Bare", "page", " ");
    bare.file = None;
    expect_invalid(
        b.create("alice", Record::Document(bare)).await,
        "link",
        "a document with neither a link nor a file",
    );
}

/// A text that is not a SHA-256 is refused naming `sha256` (it would name a
/// path); a well-formed hash of no kept file is not found, naming it; a name
/// with folders, and a document's malformed hash or name, are refused.
pub async fn check_bad_file_hash_refused(b: &dyn Backend, _fx: &Fixture) {
    let upper = files::sha256_hex(b"x").to_uppercase();
    for bad in [
        "",
        "abc",
        "../../etc/passwd",
        upper.as_str(),
        &"g".repeat(64),
    ] {
        expect_invalid(b.read_file(bad).await, "sha256", &format!("read {bad:?}"));
    }
    let absent = files::sha256_hex(b"never stored");
    assert_eq!(
        b.read_file(&absent).await,
        Err(Error::FileNotFound {
            sha256: absent.clone()
        })
    );
    for name in ["decks/q3.pdf", "..\\q3.pdf", " ", ".."] {
        expect_invalid(
            b.put_file(name, b"x".to_vec()).await,
            "name",
            &format!("put a file named {name:?}"),
        );
    }
    let stored = b.put_file("ok.txt", b"ok".to_vec()).await.expect("put");
    let mut malformed = with_file("Malformed", stored.clone());
    malformed.file.as_mut().expect("a file").sha256 = "not-a-hash".into();
    expect_invalid(
        b.create("alice", Record::Document(malformed)).await,
        "file.sha256",
        "a document whose hash is malformed",
    );
    let mut foldered = with_file("Foldered", stored);
    foldered.file.as_mut().expect("a file").name = "a/b.txt".into();
    expect_invalid(
        b.create("alice", Record::Document(foldered)).await,
        "file.name",
        "a document whose file name has a folder",
    );
}

/// A dataset carries documents, not their files: an import is refused, whole,
/// while a document's file is not in the store, naming the document and
/// `file.sha256`; once the file is put, the same dataset imports and the
/// document reads back keeping it.
pub async fn check_import_needs_the_documents_files(b: &dyn Backend, fx: &Fixture) {
    let bytes = b"the signed contract".to_vec();
    let mut d = fx.dataset.clone();
    assert!(!d.documents.is_empty(), "the fixture has documents");
    let id = d.documents[0].id;
    d.documents[0].file = Some(DocumentFile {
        sha256: files::sha256_hex(&bytes),
        name: "contract.pdf".into(),
        size: bytes.len() as u64,
        media_type: Some("application/pdf".into()),
    });
    match b.import(d.clone()).await {
        Err(Error::Invalid { field, message }) => {
            assert_eq!(field, "dataset");
            assert!(
                message.contains(&format!("documents[0] (id {id}), field `file.sha256`")),
                "{message}"
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(snapshot(b).await.total_rows(), 0, "nothing written");
    let stored = b.put_file("contract.pdf", bytes).await.expect("put");
    b.import(d).await.expect("the import, its file stored");
    let Record::Document(doc) = b.get(EntityKind::Document, id).await.expect("get") else {
        panic!("a document");
    };
    assert_eq!(doc.file, Some(stored));
}
