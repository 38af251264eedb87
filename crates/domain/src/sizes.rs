//! The size limits of a record's fields, checked by walking the record as serde
//! serializes it (field names, list items, map entries) without writing it
//! anywhere: no allocation unless something is over a limit.

use std::fmt::{self, Write as _};

use serde::ser::{self, Serialize};

use crate::validate::{
    FieldError, LONG_TEXT_FIELDS, MAX_ITEMS, MAX_LONG_TEXT, MAX_RECORD_BYTES, MAX_SHORT_TEXT,
};

/// Checks every text, list and map of `record`, and its size as a whole (about
/// its length as JSON), naming the field of each problem (`sections[2].body`).
pub(crate) fn check<T: Serialize + ?Sized>(out: &mut Vec<FieldError>, record: &T) {
    let mut s = Sizer {
        out,
        path: Vec::new(),
        key: "",
        bytes: 0,
    };
    let _ = record.serialize(&mut s);
    let bytes = s.bytes;
    if bytes > MAX_RECORD_BYTES {
        out.push(FieldError {
            field: "record".into(),
            message: format!(
                "is about {bytes} bytes as JSON, more than the {MAX_RECORD_BYTES} a record may be"
            ),
        });
    }
}

enum Seg {
    Field(&'static str),
    Index(usize),
}

struct Sizer<'a> {
    out: &'a mut Vec<FieldError>,
    path: Vec<Seg>,
    /// The name of the field being walked (its items' and entries' too).
    key: &'static str,
    bytes: usize,
}

impl Sizer<'_> {
    fn path(&self) -> String {
        let mut p = String::new();
        for seg in &self.path {
            match seg {
                Seg::Field(k) if p.is_empty() => p.push_str(k),
                Seg::Field(k) => {
                    p.push('.');
                    p.push_str(k);
                }
                Seg::Index(i) => {
                    let _ = write!(p, "[{i}]");
                }
            }
        }
        if p.is_empty() {
            p.push_str("record");
        }
        p
    }

    fn fail(&mut self, message: String) {
        let field = self.path();
        self.out.push(FieldError { field, message });
    }

    fn text(&mut self, len_bytes: usize, chars: impl FnOnce() -> usize) {
        self.bytes += len_bytes + 2;
        let max = if LONG_TEXT_FIELDS.contains(&self.key) {
            MAX_LONG_TEXT
        } else {
            MAX_SHORT_TEXT
        };
        // Bytes first: characters are counted only for a text that may be over.
        if len_bytes > max && chars() > max {
            self.fail(format!("is longer than {max} characters"));
        }
    }

    fn items(&mut self, n: usize, what: &str) {
        if n > MAX_ITEMS {
            self.fail(format!("has {n} {what}, more than {MAX_ITEMS}"));
        }
    }
}

/// Never raised: the walk reports problems in its list, not as errors.
#[derive(Debug)]
pub(crate) struct Never;

impl fmt::Display for Never {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("size check")
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Never
    }
}

/// Counts what `Display` writes, without keeping it.
struct Count {
    bytes: usize,
    chars: usize,
}

impl fmt::Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.bytes += s.len();
        self.chars += s.chars().count();
        Ok(())
    }
}

type R = Result<(), Never>;

impl<'a, 'b> ser::Serializer for &'a mut Sizer<'b> {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Seq<'a, 'b>;
    type SerializeTuple = Seq<'a, 'b>;
    type SerializeTupleStruct = Seq<'a, 'b>;
    type SerializeTupleVariant = Seq<'a, 'b>;
    type SerializeMap = Entries<'a, 'b>;
    type SerializeStruct = Fields<'a, 'b>;
    type SerializeStructVariant = Fields<'a, 'b>;

    fn serialize_bool(self, _: bool) -> R {
        self.bytes += 5;
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> R {
        self.serialize_i64(0)
    }
    fn serialize_i16(self, _: i16) -> R {
        self.serialize_i64(0)
    }
    fn serialize_i32(self, _: i32) -> R {
        self.serialize_i64(0)
    }
    fn serialize_i64(self, _: i64) -> R {
        self.bytes += 8;
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> R {
        self.serialize_i64(0)
    }
    fn serialize_u16(self, _: u16) -> R {
        self.serialize_i64(0)
    }
    fn serialize_u32(self, _: u32) -> R {
        self.serialize_i64(0)
    }
    fn serialize_u64(self, _: u64) -> R {
        self.serialize_i64(0)
    }
    fn serialize_f32(self, _: f32) -> R {
        self.serialize_i64(0)
    }
    fn serialize_f64(self, _: f64) -> R {
        self.serialize_i64(0)
    }
    fn serialize_char(self, _: char) -> R {
        self.bytes += 6;
        Ok(())
    }
    fn serialize_str(self, v: &str) -> R {
        self.text(v.len(), || v.chars().count());
        Ok(())
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> R {
        let mut c = Count { bytes: 0, chars: 0 };
        let _ = write!(c, "{value}");
        self.text(c.bytes, || c.chars);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        self.bytes += v.len() * 4;
        Ok(())
    }
    fn serialize_none(self) -> R {
        self.bytes += 4;
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_unit(self) -> R {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> R {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R {
        self.bytes += variant.len() + 2;
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> R {
        self.bytes += variant.len() + 4;
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a, 'b>, Never> {
        Ok(Seq {
            s: self,
            n: 0,
            counted: true,
        })
    }
    fn serialize_tuple(self, _: usize) -> Result<Seq<'a, 'b>, Never> {
        Ok(Seq {
            s: self,
            n: 0,
            counted: false,
        })
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a, 'b>, Never> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        len: usize,
    ) -> Result<Seq<'a, 'b>, Never> {
        self.serialize_tuple(len)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Entries<'a, 'b>, Never> {
        Ok(Entries { s: self, n: 0 })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a, 'b>, Never> {
        Ok(Fields { s: self })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Fields<'a, 'b>, Never> {
        Ok(Fields { s: self })
    }
}

pub(crate) struct Seq<'a, 'b> {
    s: &'a mut Sizer<'b>,
    n: usize,
    counted: bool,
}

impl Seq<'_, '_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.s.path.push(Seg::Index(self.n));
        self.n += 1;
        self.s.bytes += 1;
        let r = value.serialize(&mut *self.s);
        self.s.path.pop();
        r
    }
    fn finish(self) -> R {
        if self.counted {
            self.s.items(self.n, "items");
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Seq<'_, '_> {
    type Ok = ();
    type Error = Never;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.element(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeTuple for Seq<'_, '_> {
    type Ok = ();
    type Error = Never;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.element(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Seq<'_, '_> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.element(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Seq<'_, '_> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.element(value)
    }
    fn end(self) -> R {
        self.finish()
    }
}

pub(crate) struct Entries<'a, 'b> {
    s: &'a mut Sizer<'b>,
    n: usize,
}

impl ser::SerializeMap for Entries<'_, '_> {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        self.n += 1;
        // A key is a short text whatever the map.
        let field = std::mem::take(&mut self.s.key);
        let r = key.serialize(&mut *self.s);
        self.s.key = field;
        r
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.s.bytes += 2;
        value.serialize(&mut *self.s)
    }
    fn end(self) -> R {
        self.s.items(self.n, "entries");
        Ok(())
    }
}

pub(crate) struct Fields<'a, 'b> {
    s: &'a mut Sizer<'b>,
}

impl Fields<'_, '_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        self.s.path.push(Seg::Field(key));
        self.s.bytes += key.len() + 4;
        let outer = std::mem::replace(&mut self.s.key, key);
        let r = value.serialize(&mut *self.s);
        self.s.key = outer;
        self.s.path.pop();
        r
    }
}

impl ser::SerializeStruct for Fields<'_, '_> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        self.field(key, value)
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Fields<'_, '_> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        self.field(key, value)
    }
    fn end(self) -> R {
        Ok(())
    }
}
