//! The language model client against a fake OpenAI-compatible server: axum on a
//! loopback port, real HTTP, answers streamed as server-sent events the way
//! Ollama, llama.cpp's server and vLLM send them, or as one JSON document.
//!
//! What is checked: pieces reach the caller in order and make the whole text;
//! the server's refusal reads as its own message; the key goes as a bearer token
//! only when there is one; a server that falls silent, is slow, breaks the
//! connection, ends early or sends too much gives a clear error; cancelling
//! works; and the reworded sentences cite the records of the facts they name,
//! those naming unknown facts being dropped and counted.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use tend::backend::ai::*;
use tend::domain::{Citation, EntityKind, Statement};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// One step of a fake answer's body.
#[derive(Clone)]
enum Step {
    Send(Vec<u8>),
    Wait(Duration),
    /// The body fails: the server drops the connection mid-answer.
    Fail,
}

/// What the fake server answers every request with.
#[derive(Clone)]
enum Reply {
    /// A stream of server-sent events.
    Events(Vec<Step>),
    /// A status and a JSON body.
    Json(StatusCode, Value),
}

/// What the fake server was sent: the Authorization header and the JSON body.
#[derive(Clone, Debug)]
struct Seen {
    authorization: Option<String>,
    body: Value,
}

#[derive(Clone)]
struct Fake {
    reply: Reply,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn completions(
    State(fake): State<Fake>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    fake.seen.lock().unwrap().push(Seen {
        authorization: headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap().to_string()),
        body,
    });
    match fake.reply {
        Reply::Json(status, body) => (status, axum::Json(body)).into_response(),
        Reply::Events(steps) => {
            let stream =
                futures_util::stream::unfold(VecDeque::from(steps), |mut steps| async move {
                    loop {
                        match steps.pop_front()? {
                            Step::Send(bytes) => return Some((Ok(bytes), steps)),
                            Step::Wait(d) => tokio::time::sleep(d).await,
                            Step::Fail => {
                                return Some((
                                    Err(std::io::Error::other("the model crashed")),
                                    steps,
                                ));
                            }
                        }
                    }
                });
            (
                [(header::CONTENT_TYPE, "text/event-stream")],
                Body::from_stream(stream),
            )
                .into_response()
        }
    }
}

/// Starts a fake server answering `reply`; its endpoint (`http://127.0.0.1:PORT/v1`)
/// and what it is sent.
async fn fake(reply: Reply) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(vec![]));
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(Fake {
            reply,
            seen: seen.clone(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/v1"), seen)
}

fn client(endpoint: &str, key: Option<&str>, timeout_secs: u64, idle_secs: u64) -> AiClient {
    AiClient::new(
        AiSettings {
            endpoint: endpoint.into(),
            model: "llama3.2".into(),
            timeout_secs,
            idle_secs,
        },
        key.map(str::to_string),
    )
    .unwrap()
}

/// One streamed event carrying `content` (none: the opening event with the role).
fn event(content: Option<&str>, finish: Option<&str>) -> Vec<u8> {
    let delta = match content {
        Some(c) => json!({ "content": c }),
        None => json!({ "role": "assistant", "content": null }),
    };
    let chunk = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "llama3.2",
        "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
    });
    format!("data: {chunk}\n\n").into_bytes()
}

fn send(content: &str) -> Step {
    Step::Send(event(Some(content), None))
}

/// The end of a well-behaved stream.
fn done() -> Vec<Step> {
    vec![
        Step::Send(event(Some(""), Some("stop"))),
        Step::Send(b"data: [DONE]\n\n".to_vec()),
    ]
}

fn pause() -> Step {
    Step::Wait(Duration::from_millis(30))
}

fn hang() -> Step {
    Step::Wait(Duration::from_secs(3600))
}

/// Runs a chat of one user message; the pieces `on_delta` got, and the result.
async fn chat(c: &AiClient) -> (Vec<String>, Result<String, AiError>) {
    let mut pieces = vec![];
    let result = c
        .chat(&[ChatMessage::user("How is Larkspur?")], &mut |p: &str| {
            pieces.push(p.to_string())
        })
        .await;
    (pieces, result)
}

fn facts() -> Vec<Statement> {
    let cite = |kind, id| Citation { kind, id };
    vec![
        Statement {
            text: "Weekly active users fell 30% in May.".into(),
            citations: vec![cite(EntityKind::Interaction, 11)],
        },
        Statement {
            text: "Two support cases are open, one urgent.".into(),
            citations: vec![
                cite(EntityKind::SupportCase, 21),
                cite(EntityKind::SupportCase, 22),
            ],
        },
        Statement {
            text: "The agreement renews on 2026-09-01.".into(),
            citations: vec![
                cite(EntityKind::Agreement, 31),
                cite(EntityKind::Interaction, 11),
            ],
        },
    ]
}

/// A streamed answer of `text`, cut in pieces of a few words, well ended.
fn streamed(text: &str) -> Reply {
    let mut steps: Vec<Step> = text
        .split_inclusive(' ')
        .flat_map(|w| [send(w), pause()])
        .collect();
    steps.extend(done());
    Reply::Events(steps)
}

// ---------------------------------------------------------------------------
// Talking to the server
// ---------------------------------------------------------------------------

#[tokio::test]
async fn streamed_pieces_arrive_in_order_and_make_the_whole_text() {
    // The third event reaches the client in two parts, cut inside "é".
    let split = event(Some("café "), None);
    let cut = split.iter().position(|b| *b == 0xC3).unwrap() + 1;
    let steps = vec![
        Step::Send(b": keep-alive\n\n".to_vec()),
        Step::Send(event(None, None)),
        send("Usage "),
        pause(),
        Step::Send(split[..cut].to_vec()),
        pause(),
        Step::Send(split[cut..].to_vec()),
        send("fell "),
        pause(),
        // Two events in one read, the second without its blank line.
        Step::Send([event(Some("30% "), None), b"data: ".to_vec()].concat()),
        Step::Send(
            serde_json::to_vec(&json!({"choices":[{"delta":{"content":"[F1]."}}]})).unwrap(),
        ),
        Step::Send(b"\r\n".to_vec()),
    ];
    let (endpoint, seen) = fake(Reply::Events([steps, done()].concat())).await;
    let (pieces, result) = chat(&client(&endpoint, None, 10, 5)).await;
    assert_eq!(pieces, ["Usage ", "café ", "fell ", "30% ", "[F1]."]);
    assert_eq!(result.unwrap(), "Usage café fell 30% [F1].");

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body["model"], "llama3.2");
    assert_eq!(seen[0].body["stream"], true);
    assert_eq!(
        seen[0].body["messages"],
        json!([{ "role": "user", "content": "How is Larkspur?" }])
    );
}

#[tokio::test]
async fn a_plain_json_answer_works() {
    let (endpoint, _) = fake(Reply::Json(
        StatusCode::OK,
        json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": "Usage fell [F1]." },
                "finish_reason": "stop",
            }],
        }),
    ))
    .await;
    let (pieces, result) = chat(&client(&endpoint, None, 10, 5)).await;
    assert_eq!(result.unwrap(), "Usage fell [F1].");
    assert_eq!(pieces, ["Usage fell [F1]."]);
}

#[tokio::test]
async fn a_refused_key_reads_as_the_servers_message() {
    let (endpoint, _) = fake(Reply::Json(
        StatusCode::UNAUTHORIZED,
        json!({ "error": { "message": "invalid api key", "type": "invalid_request_error" } }),
    ))
    .await;
    let (pieces, result) = chat(&client(&endpoint, Some("sk-wrong"), 10, 5)).await;
    let error = result.unwrap_err();
    assert_eq!(
        error,
        AiError::Status {
            endpoint: endpoint.clone(),
            status: 401,
            message: "invalid api key".into(),
        }
    );
    assert_eq!(
        error.to_string(),
        format!("the language model at {endpoint} answered 401: invalid api key")
    );
    assert!(!error.to_string().contains("sk-wrong"));
    assert!(pieces.is_empty());
}

#[tokio::test]
async fn the_key_goes_as_a_bearer_token_only_when_given() {
    let (endpoint, seen) = fake(streamed("Fine [F1].")).await;
    for key in [Some("sk-test-123"), None, Some("  ")] {
        chat(&client(&endpoint, key, 10, 5)).await.1.unwrap();
    }
    let seen: Vec<Option<String>> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.authorization.clone())
        .collect();
    assert_eq!(seen, [Some("Bearer sk-test-123".to_string()), None, None]);
}

#[tokio::test]
async fn a_server_that_falls_silent_mid_answer_stalls_out() {
    let (endpoint, _) = fake(Reply::Events(vec![send("Usage "), hang()])).await;
    let (pieces, result) = chat(&client(&endpoint, None, 60, 1)).await;
    assert_eq!(pieces, ["Usage "]);
    let error = result.unwrap_err();
    assert_eq!(error, AiError::Stalled(1));
    assert_eq!(
        error.to_string(),
        "the language model stopped sending for 1 s in the middle of its answer"
    );
}

#[tokio::test]
async fn a_slow_first_piece_is_bounded_by_the_whole_timeout() {
    // Reading a long prompt takes a while: no idle limit before the first piece.
    let (endpoint, _) = fake(Reply::Events(vec![hang(), send("late")])).await;
    let (pieces, result) = chat(&client(&endpoint, None, 2, 1)).await;
    let error = result.unwrap_err();
    assert_eq!(error, AiError::Timeout(2));
    assert_eq!(
        error.to_string(),
        "the language model did not answer within 2 s"
    );
    assert!(pieces.is_empty());
}

#[tokio::test]
async fn an_endless_trickle_is_bounded_by_the_whole_timeout() {
    let steps = (0..1000)
        .flat_map(|_| [send("more "), Step::Wait(Duration::from_millis(100))])
        .collect();
    let (endpoint, _) = fake(Reply::Events(steps)).await;
    let (pieces, result) = chat(&client(&endpoint, None, 1, 1)).await;
    assert_eq!(result.unwrap_err(), AiError::Timeout(1));
    assert!(!pieces.is_empty() && pieces.len() < 1000);
}

#[tokio::test]
async fn a_broken_connection_mid_answer_is_reported() {
    let (endpoint, _) = fake(Reply::Events(vec![send("Usage "), pause(), Step::Fail])).await;
    let (pieces, result) = chat(&client(&endpoint, None, 10, 5)).await;
    assert_eq!(pieces, ["Usage "]);
    match result.unwrap_err() {
        e @ AiError::Interrupted { .. } => assert!(
            e.to_string().starts_with(&format!(
                "the language model at {endpoint} stopped in the middle of its answer: the connection broke"
            )),
            "{e}"
        ),
        e => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn a_stream_that_ends_before_its_end_is_reported() {
    let (endpoint, _) = fake(Reply::Events(vec![send("Usage "), send("fell")])).await;
    let (_, result) = chat(&client(&endpoint, None, 10, 5)).await;
    let error = result.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the language model at {endpoint} stopped in the middle of its answer: the connection closed before the end (after 10 characters)"
        )
    );
}

#[tokio::test]
async fn a_stream_with_a_finish_reason_but_no_done_is_complete() {
    let (endpoint, _) = fake(Reply::Events(vec![
        send("Usage fell [F1]."),
        Step::Send(event(None, Some("stop"))),
    ]))
    .await;
    let (_, result) = chat(&client(&endpoint, None, 10, 5)).await;
    assert_eq!(result.unwrap(), "Usage fell [F1].");
}

#[tokio::test]
async fn an_error_event_mid_stream_is_reported() {
    let (endpoint, _) = fake(Reply::Events(vec![
        send("Usage "),
        Step::Send(b"data: {\"error\":{\"message\":\"out of memory\"}}\n\n".to_vec()),
    ]))
    .await;
    let (_, result) = chat(&client(&endpoint, None, 10, 5)).await;
    assert_eq!(
        result.unwrap_err(),
        AiError::Interrupted {
            endpoint,
            reason: "out of memory".into()
        }
    );
}

#[tokio::test]
async fn a_runaway_answer_is_cut_off() {
    let piece = "x".repeat(256 << 10);
    let steps = (0..8).map(|_| send(&piece)).chain(done()).collect();
    let (endpoint, _) = fake(Reply::Events(steps)).await;
    let (pieces, result) = chat(&client(&endpoint, None, 30, 10)).await;
    match result.unwrap_err() {
        e @ AiError::Malformed { .. } => {
            assert!(e.to_string().contains("longer than 1 MiB"), "{e}")
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(pieces.concat().len(), MAX_ANSWER_BYTES);
}

#[tokio::test]
async fn a_server_that_is_not_there_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    let (_, result) = chat(&client(&endpoint, None, 5, 5)).await;
    match result.unwrap_err() {
        e @ AiError::Unreachable { .. } => assert!(
            e.to_string().starts_with(&format!(
                "the language model at {endpoint} cannot be reached: cannot connect"
            )),
            "{e}"
        ),
        e => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn cancelling_ends_the_exchange() {
    let (endpoint, _) = fake(Reply::Events(vec![send("Usage "), hang()])).await;
    let c = client(&endpoint, None, 60, 60);
    let (cancel, mut cancelled) = tokio::sync::watch::channel(false);
    let mut pieces = vec![];
    let mut on_delta = |p: &str| {
        pieces.push(p.to_string());
        // The user presses Esc as the first words appear.
        cancel.send_replace(true);
    };
    let result = until_cancelled(
        &mut cancelled,
        c.chat(&[ChatMessage::user("How is Larkspur?")], &mut on_delta),
    )
    .await;
    assert_eq!(result.unwrap_err(), AiError::Cancelled);
    assert_eq!(pieces, ["Usage "]);
}

// ---------------------------------------------------------------------------
// Rewording and asking
// ---------------------------------------------------------------------------

#[tokio::test]
async fn reword_maps_citations_to_the_records_of_the_facts() {
    let (endpoint, seen) = fake(streamed(
        "Usage fell 30% in May while the renewal nears [F1][F3]. Two cases are open, one urgent [F2, F1].",
    ))
    .await;
    let mut streamed = String::new();
    let reworded = reword(
        &client(&endpoint, None, 10, 5),
        "Health",
        &facts(),
        &mut |p: &str| streamed.push_str(p),
    )
    .await
    .unwrap();
    let cite = |kind, id| Citation { kind, id };
    assert_eq!(
        reworded.statements,
        [
            Statement {
                text: "Usage fell 30% in May while the renewal nears.".into(),
                citations: vec![
                    cite(EntityKind::Interaction, 11),
                    cite(EntityKind::Agreement, 31),
                ],
            },
            Statement {
                text: "Two cases are open, one urgent.".into(),
                citations: vec![
                    cite(EntityKind::SupportCase, 21),
                    cite(EntityKind::SupportCase, 22),
                    cite(EntityKind::Interaction, 11),
                ],
            },
        ]
    );
    assert_eq!(reworded.dropped, 0);
    assert_eq!(reworded.text, streamed);

    let seen = seen.lock().unwrap();
    let messages = &seen[0].body["messages"];
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(messages[1]["role"], "user");
    assert_eq!(
        messages[1]["content"],
        "Section: Health\n\nFacts:\n[F1] Weekly active users fell 30% in May.\n[F2] Two support cases are open, one urgent.\n[F3] The agreement renews on 2026-09-01."
    );
}

#[tokio::test]
async fn sentences_citing_unknown_facts_are_dropped_and_counted() {
    let (endpoint, _) = fake(streamed(
        "Usage fell 30% in May [F1]. The customer will churn [F9]. Two cases are open [F2]. Everyone is unhappy.",
    ))
    .await;
    let reworded = reword(
        &client(&endpoint, None, 10, 5),
        "Health",
        &facts(),
        &mut |_: &str| {},
    )
    .await
    .unwrap();
    let texts: Vec<&str> = reworded
        .statements
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(texts, ["Usage fell 30% in May.", "Two cases are open."]);
    assert_eq!(reworded.dropped, 2);
}

#[tokio::test]
async fn reword_without_facts_asks_nothing() {
    let (endpoint, seen) = fake(streamed("Anything [F1].")).await;
    let reworded = reword(
        &client(&endpoint, None, 10, 5),
        "Health",
        &[],
        &mut |_: &str| {},
    )
    .await
    .unwrap();
    assert_eq!(reworded, Reworded::default());
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn ask_sends_the_facts_the_conversation_and_the_question() {
    let (endpoint, seen) = fake(streamed(
        "The agreement renews on 2026-09-01 [F3]. Nothing says who signs it.",
    ))
    .await;
    let history = [
        ChatMessage::user("How is usage?"),
        ChatMessage::assistant("Weekly active users fell 30% in May [F1]."),
    ];
    let answer = ask(
        &client(&endpoint, Some("sk-test"), 10, 5),
        &facts(),
        &history,
        "When is the renewal?",
        &mut |_: &str| {},
    )
    .await
    .unwrap();
    assert_eq!(
        answer.statements,
        [Statement {
            text: "The agreement renews on 2026-09-01.".into(),
            citations: vec![
                Citation {
                    kind: EntityKind::Agreement,
                    id: 31
                },
                Citation {
                    kind: EntityKind::Interaction,
                    id: 11
                },
            ],
        }]
    );
    assert_eq!(answer.dropped, 1);

    let seen = seen.lock().unwrap();
    let messages: Vec<(String, String)> = seen[0].body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_string(),
                m["content"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let roles: Vec<&str> = messages.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert!(
        messages[0]
            .1
            .ends_with("[F3] The agreement renews on 2026-09-01.")
    );
    assert_eq!(messages[1].1, "How is usage?");
    assert_eq!(messages[3].1, "When is the renewal?");
}

// ---------------------------------------------------------------------------
// The command line with a model
// ---------------------------------------------------------------------------

/// `tend summary --ai` and `tend copilot --ask` through the config's [ai] (set by
/// the environment) and the key from TEND_AI_KEY: the model's sentences replace
/// a section's statements with the records of the facts they cite, one citing a
/// fact it was not given is dropped and said, and the key goes to the server
/// without ever reaching the output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_rewords_through_the_configured_model() {
    let (endpoint, seen) = fake(streamed(
        "The customer is on a renewal track. [F1]\nThey also want a spaceship. [F99]\n",
    ))
    .await;
    let run = |args: Vec<&'static str>| {
        let endpoint = endpoint.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_tend"))
                .args(args)
                .env("TEND_AI__ENDPOINT", &endpoint)
                .env("TEND_AI__MODEL", "llama3.2")
                .env("TEND_AI_KEY", "sk-test-secret")
                .env("XDG_CONFIG_HOME", "/nonexistent")
                .output()
                .expect("run tend")
        })
    };
    let out = run(vec!["--demo", "summary", "3", "--ai", "--format", "json"])
        .await
        .expect("join");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("sentences dropped") || stderr.contains("sentence dropped"),
        "{stderr}"
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("json");
    let highlights = &summary["sections"][0];
    let statements = highlights["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 1, "{highlights}");
    assert_eq!(statements[0]["text"], "The customer is on a renewal track.");
    assert!(
        !statements[0]["citations"]
            .as_array()
            .expect("cites")
            .is_empty(),
        "the reworded sentence keeps the records of fact 1"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("sk-test-secret") && !stderr.contains("sk-test-secret"));
    let requests = seen.lock().unwrap().clone();
    assert!(
        requests.len() >= 5,
        "one exchange per section with statements"
    );
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some("Bearer sk-test-secret")
    );

    let out = run(vec![
        "--demo",
        "copilot",
        "Larkspur Logistics",
        "--ask",
        "What is the customer's plan?",
    ])
    .await
    .expect("join");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        stdout.contains("The customer is on a renewal track."),
        "{stdout}"
    );
    assert!(!stdout.contains("spaceship"), "{stdout}");
    let last = seen.lock().unwrap().last().cloned().expect("asked");
    let sent = last.body.to_string();
    assert!(sent.contains("What is the customer's plan?"), "{sent}");
}
