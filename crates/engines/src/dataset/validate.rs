//! Cross-record checks: duplicate ids, dangling references, field rules.

use std::collections::{HashMap, HashSet};

use super::{Dataset, Problem};
use tend_domain::*;

struct Checker {
    out: Vec<Problem>,
}

impl Checker {
    /// A record pointing at one of another account than its own.
    fn same_account(
        &mut self,
        section: &str,
        i: usize,
        id: Id,
        field: &str,
        owner: Option<&Id>,
        account: Id,
    ) {
        if let Some(&owner) = owner
            && owner != account
        {
            self.push(
                section,
                i,
                Some(id),
                field,
                format!("belongs to account {owner}, not {account}"),
            );
        }
    }

    fn push(&mut self, section: &str, i: usize, id: Option<Id>, field: &str, message: String) {
        let id = id.map(|id| format!(" (id {id})")).unwrap_or_default();
        self.out.push(Problem {
            place: format!("{section}[{i}]{id}"),
            field: Some(field.to_string()),
            message,
        });
    }

    /// Ids of a section, reporting duplicates and non-positive ids.
    fn ids<T: RecordMeta>(&mut self, section: &str, items: &[T]) -> HashSet<Id> {
        let mut seen = HashMap::with_capacity(items.len());
        for (i, r) in items.iter().enumerate() {
            if r.id() <= 0 {
                self.push(
                    section,
                    i,
                    Some(r.id()),
                    "id",
                    "must be a positive integer".into(),
                );
            }
            if let Some(first) = seen.insert(r.id(), i) {
                self.push(
                    section,
                    i,
                    Some(r.id()),
                    "id",
                    format!("duplicate id: {section}[{first}] has it too"),
                );
            }
        }
        seen.into_keys().collect()
    }

    fn fields<T: RecordMeta + Check + serde::Serialize>(
        &mut self,
        section: &str,
        i: usize,
        record: &T,
    ) {
        let id = record.id();
        for e in field_errors(record) {
            self.push(section, i, Some(id), &e.field, e.message);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn reference(
        &mut self,
        section: &str,
        i: usize,
        id: Option<Id>,
        field: &str,
        target: &str,
        set: &HashSet<Id>,
        value: Id,
    ) {
        if !set.contains(&value) {
            self.push(
                section,
                i,
                id,
                field,
                format!("{target} {value} does not exist"),
            );
        }
    }
}

/// Every cross-record problem of a dataset (an empty list means it can be loaded).
pub fn validate(d: &Dataset) -> Vec<Problem> {
    let mut c = Checker { out: vec![] };
    let accounts = c.ids("accounts", &d.accounts);
    let contacts = c.ids("contacts", &d.contacts);
    c.ids("interactions", &d.interactions);
    c.ids("support_cases", &d.support_cases);
    let agreements = c.ids("agreements", &d.agreements);
    c.ids("opportunities", &d.opportunities);
    let projects = c.ids("projects", &d.projects);
    c.ids("tasks", &d.tasks);
    let playbooks = c.ids("playbooks", &d.playbooks);
    c.ids("playbook_runs", &d.playbook_runs);
    c.ids("nps_responses", &d.nps_responses);
    c.ids("documents", &d.documents);
    c.ids("alerts", &d.alerts);
    c.ids("summaries", &d.summaries);
    let plans = c.ids("success_plans", &d.success_plans);
    let objectives = c.ids("objectives", &d.objectives);
    c.ids("kpis", &d.kpis);
    c.ids("business_challenges", &d.business_challenges);
    let mut entries = HashMap::with_capacity(d.change_log.len());
    for (i, e) in d.change_log.iter().enumerate() {
        if e.id <= 0 {
            c.push(
                "change_log",
                i,
                Some(e.id),
                "id",
                "must be a positive integer".into(),
            );
        }
        if let Some(first) = entries.insert(e.id, i) {
            c.push(
                "change_log",
                i,
                Some(e.id),
                "id",
                format!("duplicate id: change_log[{first}] has it too"),
            );
        }
    }

    let parent_of: HashMap<Id, Option<Id>> =
        d.accounts.iter().map(|a| (a.id, a.parent_id)).collect();
    for (i, a) in d.accounts.iter().enumerate() {
        c.fields("accounts", i, a);
        if let Some(p) = a.parent_id {
            c.reference(
                "accounts",
                i,
                Some(a.id),
                "parent_id",
                "account",
                &accounts,
                p,
            );
            // Walk up: a cycle comes back to the start within the number of accounts.
            let mut cur = Some(p);
            let mut steps = 0;
            while let Some(x) = cur {
                if x == a.id {
                    c.push(
                        "accounts",
                        i,
                        Some(a.id),
                        "parent_id",
                        "the parent chain loops back to this account".into(),
                    );
                    break;
                }
                steps += 1;
                if steps > d.accounts.len() {
                    break;
                }
                cur = parent_of.get(&x).copied().flatten();
            }
        }
    }
    let contact_account: HashMap<Id, Id> =
        d.contacts.iter().map(|x| (x.id, x.account_id)).collect();
    for (i, x) in d.contacts.iter().enumerate() {
        c.fields("contacts", i, x);
        c.reference(
            "contacts",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
    }
    for (i, x) in d.interactions.iter().enumerate() {
        c.fields("interactions", i, x);
        c.reference(
            "interactions",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
        for cid in &x.contact_ids {
            match contact_account.get(cid) {
                None => c.push(
                    "interactions",
                    i,
                    Some(x.id),
                    "contact_ids",
                    format!("contact {cid} does not exist"),
                ),
                Some(&acc) if acc != x.account_id => c.push(
                    "interactions",
                    i,
                    Some(x.id),
                    "contact_ids",
                    format!(
                        "contact {cid} belongs to account {acc}, not {}",
                        x.account_id
                    ),
                ),
                _ => {}
            }
        }
    }
    let mut usage_keys = HashSet::with_capacity(d.usage.len());
    for (i, u) in d.usage.iter().enumerate() {
        c.reference(
            "usage",
            i,
            None,
            "account_id",
            "account",
            &accounts,
            u.account_id,
        );
        if let Some(cid) = u.contact_id {
            c.reference("usage", i, None, "contact_id", "contact", &contacts, cid);
        }
        for e in check_usage(u) {
            c.push("usage", i, None, &e.field, e.message);
        }
        if !usage_keys.insert((u.account_id, u.contact_id, u.day)) {
            c.push(
                "usage",
                i,
                None,
                "day",
                format!(
                    "a second row for the same account, contact and day {}",
                    u.day
                ),
            );
        }
    }
    for (i, x) in d.support_cases.iter().enumerate() {
        c.fields("support_cases", i, x);
        c.reference(
            "support_cases",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
    }
    for (i, x) in d.agreements.iter().enumerate() {
        c.fields("agreements", i, x);
        c.reference(
            "agreements",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
        if let Some(r) = x.renews_id {
            c.reference(
                "agreements",
                i,
                Some(x.id),
                "renews_id",
                "agreement",
                &agreements,
                r,
            );
        }
    }
    for (i, x) in d.opportunities.iter().enumerate() {
        c.fields("opportunities", i, x);
        c.reference(
            "opportunities",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
    }
    for (i, x) in d.projects.iter().enumerate() {
        c.fields("projects", i, x);
        c.reference(
            "projects",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
    }
    let alert_account: HashMap<Id, Id> = d.alerts.iter().map(|x| (x.id, x.account_id)).collect();
    for (i, x) in d.tasks.iter().enumerate() {
        c.fields("tasks", i, x);
        c.reference(
            "tasks",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
        if let Some(p) = x.project_id {
            c.reference(
                "tasks",
                i,
                Some(x.id),
                "project_id",
                "project",
                &projects,
                p,
            );
        }
        if let Some(al) = x.alert_id {
            match alert_account.get(&al) {
                None => c.push(
                    "tasks",
                    i,
                    Some(x.id),
                    "alert_id",
                    format!("alert {al} does not exist"),
                ),
                Some(&acc) if acc != x.account_id => c.push(
                    "tasks",
                    i,
                    Some(x.id),
                    "alert_id",
                    format!("alert {al} belongs to account {acc}, not {}", x.account_id),
                ),
                _ => {}
            }
        }
    }
    let steps_of: HashMap<Id, usize> = d.playbooks.iter().map(|p| (p.id, p.steps.len())).collect();
    for (i, x) in d.playbooks.iter().enumerate() {
        c.fields("playbooks", i, x);
    }
    for (i, x) in d.playbook_runs.iter().enumerate() {
        c.fields("playbook_runs", i, x);
        c.reference(
            "playbook_runs",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
        c.reference(
            "playbook_runs",
            i,
            Some(x.id),
            "playbook_id",
            "playbook",
            &playbooks,
            x.playbook_id,
        );
        if let Some(&n) = steps_of.get(&x.playbook_id)
            && n != x.steps.len()
        {
            c.push(
                "playbook_runs",
                i,
                Some(x.id),
                "steps",
                format!(
                    "has {} step states, playbook {} has {n} steps",
                    x.steps.len(),
                    x.playbook_id
                ),
            );
        }
    }
    for (i, x) in d.nps_responses.iter().enumerate() {
        c.fields("nps_responses", i, x);
        c.reference(
            "nps_responses",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
        if let Some(cid) = x.contact_id {
            c.reference(
                "nps_responses",
                i,
                Some(x.id),
                "contact_id",
                "contact",
                &contacts,
                cid,
            );
        }
    }
    for (i, x) in d.documents.iter().enumerate() {
        c.fields("documents", i, x);
        c.reference(
            "documents",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
    }
    for (i, x) in d.alerts.iter().enumerate() {
        c.fields("alerts", i, x);
        c.reference(
            "alerts",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
    }
    for (i, x) in d.summaries.iter().enumerate() {
        c.fields("summaries", i, x);
        c.reference(
            "summaries",
            i,
            Some(x.id),
            "account_id",
            "account",
            &accounts,
            x.account_id,
        );
    }
    success_planning(&mut c, d, &accounts, &plans, &objectives);
    financials(&mut c, d, &accounts, &agreements);
    c.out
}

/// The invoices and payments: their account, the agreement an invoice bills and
/// the invoice a payment pays, of the same account.
fn financials(c: &mut Checker, d: &Dataset, accounts: &HashSet<Id>, agreements: &HashSet<Id>) {
    let invoices = c.ids("invoices", &d.invoices);
    c.ids("payments", &d.payments);
    let agreement_account: HashMap<Id, Id> =
        d.agreements.iter().map(|a| (a.id, a.account_id)).collect();
    let invoice_account: HashMap<Id, Id> =
        d.invoices.iter().map(|i| (i.id, i.account_id)).collect();
    for (i, x) in d.invoices.iter().enumerate() {
        c.fields("invoices", i, x);
        let a = x.account_id;
        c.reference(
            "invoices",
            i,
            Some(x.id),
            "account_id",
            "account",
            accounts,
            a,
        );
        if let Some(g) = x.agreement_id {
            c.reference(
                "invoices",
                i,
                Some(x.id),
                "agreement_id",
                "agreement",
                agreements,
                g,
            );
            c.same_account(
                "invoices",
                i,
                x.id,
                "agreement_id",
                agreement_account.get(&g),
                a,
            );
        }
    }
    for (i, x) in d.payments.iter().enumerate() {
        c.fields("payments", i, x);
        let a = x.account_id;
        c.reference(
            "payments",
            i,
            Some(x.id),
            "account_id",
            "account",
            accounts,
            a,
        );
        let v = x.invoice_id;
        c.reference(
            "payments",
            i,
            Some(x.id),
            "invoice_id",
            "invoice",
            &invoices,
            v,
        );
        c.same_account(
            "payments",
            i,
            x.id,
            "invoice_id",
            invoice_account.get(&v),
            a,
        );
    }
}

/// The success plans, objectives, KPIs and challenges: their account, and the plan
/// or objective they belong to, of the same account.
fn success_planning(
    c: &mut Checker,
    d: &Dataset,
    accounts: &HashSet<Id>,
    plans: &HashSet<Id>,
    objectives: &HashSet<Id>,
) {
    let plan_account: HashMap<Id, Id> = d
        .success_plans
        .iter()
        .map(|p| (p.id, p.account_id))
        .collect();
    let objective_account: HashMap<Id, Id> =
        d.objectives.iter().map(|o| (o.id, o.account_id)).collect();
    for (i, x) in d.success_plans.iter().enumerate() {
        c.fields("success_plans", i, x);
        let a = x.account_id;
        c.reference(
            "success_plans",
            i,
            Some(x.id),
            "account_id",
            "account",
            accounts,
            a,
        );
    }
    for (i, x) in d.objectives.iter().enumerate() {
        c.fields("objectives", i, x);
        let a = x.account_id;
        c.reference(
            "objectives",
            i,
            Some(x.id),
            "account_id",
            "account",
            accounts,
            a,
        );
        if let Some(p) = x.plan_id {
            c.reference(
                "objectives",
                i,
                Some(x.id),
                "plan_id",
                "success plan",
                plans,
                p,
            );
            c.same_account("objectives", i, x.id, "plan_id", plan_account.get(&p), a);
        }
    }
    for (i, x) in d.kpis.iter().enumerate() {
        c.fields("kpis", i, x);
        let a = x.account_id;
        c.reference("kpis", i, Some(x.id), "account_id", "account", accounts, a);
        let o = x.objective_id;
        c.reference(
            "kpis",
            i,
            Some(x.id),
            "objective_id",
            "objective",
            objectives,
            o,
        );
        c.same_account(
            "kpis",
            i,
            x.id,
            "objective_id",
            objective_account.get(&o),
            a,
        );
    }
    for (i, x) in d.business_challenges.iter().enumerate() {
        c.fields("business_challenges", i, x);
        let a = x.account_id;
        let s = "business_challenges";
        c.reference(s, i, Some(x.id), "account_id", "account", accounts, a);
        if let Some(p) = x.plan_id {
            c.reference(s, i, Some(x.id), "plan_id", "success plan", plans, p);
            c.same_account(s, i, x.id, "plan_id", plan_account.get(&p), a);
        }
    }
}
