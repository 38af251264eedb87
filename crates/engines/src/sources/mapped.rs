//! Any CSV file, read by a mapping file (TOML).

use super::Read;

pub const SYSTEM: &str = "mapped";

/// Reads the files (`name` each, bytes).
pub fn read(files: &[(String, Vec<u8>)], mapping: &str) -> Read {
    let _ = (files, mapping);
    Read::default()
}

#[cfg(test)]
mod scratch {
    use serde::Deserialize;
    #[test]
    fn scratch() {
        struct V(Vec<(std::ops::Range<usize>, String)>);
        impl<'de> Deserialize<'de> for V {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Vis;
                impl<'de> serde::de::Visitor<'de> for Vis {
                    type Value = V;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("map")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut m: A,
                    ) -> Result<V, A::Error> {
                        let mut v = vec![];
                        while let Some((k, _)) =
                            m.next_entry::<toml::Spanned<String>, toml::Value>()?
                        {
                            v.push((k.span(), k.into_inner()));
                        }
                        Ok(V(v))
                    }
                }
                d.deserialize_map(Vis)
            }
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct T {
            columns: V,
            #[allow(dead_code)]
            x: Option<i32>,
        }
        let t: T = toml::from_str("[columns]\nzeta = 1\nalpha = 2\n\"m d\" = 3\n").unwrap();
        println!("{:?}", t.columns.0);
        use utoipa::ToSchema;
        let mut v = vec![];
        tend_domain::Account::schemas(&mut v);
        tend_domain::Agreement::schemas(&mut v);
        for (n, s) in v {
            println!("{n}: {}", serde_json::to_string(&s).unwrap());
        }
    }
}
