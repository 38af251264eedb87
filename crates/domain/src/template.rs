//! The templates of playbook emails: `{{field}}` placeholders (see
//! [`crate::work::TEMPLATE_FIELDS`]) in plain text.

use crate::work::TEMPLATE_FIELDS;

/// The placeholders a template uses, in order, or why it is malformed.
pub fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    let mut out = vec![];
    let mut rest = template;
    let mut offset = 0;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(format!(
                "'{{{{' at character {} is never closed by '}}}}'",
                template[..offset + open].chars().count() + 1
            ));
        };
        let name = after[..close].trim();
        if !TEMPLATE_FIELDS.contains(&name) {
            return Err(format!(
                "unknown field {{{{{name}}}}}: the fields are {}",
                TEMPLATE_FIELDS.join(", ")
            ));
        }
        out.push(name);
        let used = open + 2 + close + 2;
        offset += used;
        rest = &rest[used..];
    }
    Ok(out)
}

/// The template with each placeholder replaced by `value(field)`.
pub fn render(template: &str, value: impl Fn(&str) -> String) -> Result<String, String> {
    placeholders(template)?;
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}").expect("checked above");
        out.push_str(&value(after[..close].trim()));
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_replaced_and_unknown_or_open_ones_refused() {
        let out = render(
            "Hi {{ contact.first_name }}, welcome to {{account.name}}!",
            |f| match f {
                "contact.first_name" => "Zoë".into(),
                "account.name" => "Acme".into(),
                _ => unreachable!(),
            },
        )
        .unwrap();
        assert_eq!(out, "Hi Zoë, welcome to Acme!");
        assert_eq!(
            render("no fields", |_| unreachable!()).unwrap(),
            "no fields"
        );
        let e = placeholders("Dear {{contact.nickname}}").unwrap_err();
        assert!(e.contains("unknown field {{contact.nickname}}"), "{e}");
        let e = placeholders("Dear é {{contact.name").unwrap_err();
        assert!(e.contains("character 8"), "{e}");
    }
}
