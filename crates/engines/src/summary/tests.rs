use tend_domain::*;

use super::fixture::*;
use super::*;

fn world() -> World {
    use Direction::*;
    use InteractionKind::*;
    let mut expired = agreement(303, "Tend Cloud 2025", 800_000, -700, -301);
    expired.status = AgreementStatus::Expired;
    let mut won = opportunity(403, "Berlin seats", 3_000_000, OpportunityPhase::Won, true);
    won.close_date = Some(day(-20));
    let mut go_live = email_in(
        107,
        15,
        2,
        "Go-live of the EMEA sites",
        "We went live today across the five sites, great work!",
        0.9,
    );
    go_live.tags = vec!["go_live".into()];
    let mut welcome = interaction(
        105,
        40,
        Email,
        Out,
        &[1],
        "Welcome",
        "Welcome aboard, Dana.",
    );
    welcome.answered = true;
    World {
        contacts: vec![
            contact(1, "Dana Ruiz", Some("CFO"), &["sponsor", "decision_maker"]),
            contact(2, "Sam Park", Some("Operations Lead"), &["champion"]),
            contact(3, "Tom Lee", Some("CTO"), &[]),
            contact(4, "Ana Gomez", Some("Data Analyst"), &[]),
        ],
        interactions: vec![
            email_in(
                101,
                3,
                2,
                "Expanding to the Madrid office",
                "Good news: the Madrid office wants to start using the product too. Could you send a proposal for 40 more seats?",
                0.8,
            ),
            interaction(
                102,
                10,
                Meeting,
                Out,
                &[1, 2],
                "Quarterly business review",
                "Reviewed the results with Dana and Sam. We will send the revised pricing by Friday.",
            ),
            email_in(
                103,
                20,
                1,
                "Outage again this morning",
                "The platform was down for two hours. This is not acceptable.",
                -0.8,
            ),
            email_in(
                104,
                5,
                4,
                "Invoice question",
                "Can you explain the last invoice?",
                0.0,
            ),
            welcome,
            interaction(
                106,
                2,
                Call,
                Out,
                &[2],
                "Check-in call",
                "Talked about the SSO setup. I'll follow up with the SSO guide.",
            ),
            go_live,
        ],
        cases: vec![
            case(
                201,
                "SSO login fails",
                Priority::Urgent,
                true,
                CaseStatus::Open,
            ),
            case(
                202,
                "Export is slow",
                Priority::Normal,
                false,
                CaseStatus::Pending,
            ),
            case(203, "Old issue", Priority::High, true, CaseStatus::Closed),
        ],
        agreements: vec![
            agreement(301, "Tend Cloud 2026", 1_000_000, -300, 60),
            agreement(302, "Premium Support", 200_000, -300, 60),
            expired,
        ],
        opportunities: vec![
            opportunity(
                401,
                "Madrid seats",
                4_000_000,
                OpportunityPhase::Proposal,
                true,
            ),
            opportunity(
                402,
                "Analytics add-on",
                1_200_000,
                OpportunityPhase::Qualified,
                false,
            ),
            won,
        ],
        projects: vec![
            project(501, "EMEA rollout", ProjectStatus::Completed, Some(-20)),
            project(502, "Data migration", ProjectStatus::Active, Some(-5)),
            project(503, "Reporting setup", ProjectStatus::Active, Some(30)),
        ],
        tasks: vec![
            task(601, "Send QBR deck", TaskStatus::Todo, Some(-3), Some(503)),
            task(
                602,
                "Prepare renewal meeting",
                TaskStatus::Todo,
                Some(4),
                None,
            ),
            task(603, "Go-live checklist", TaskStatus::Done, Some(-16), None),
            task(604, "Send revised pricing", TaskStatus::Todo, Some(2), None),
        ],
        runs: vec![run(
            801,
            701,
            &[StepState::Done, StepState::Waiting, StepState::Pending],
        )],
        playbooks: vec![playbook(
            701,
            "Onboarding",
            &["Kick-off", "Call the champion", "Review usage"],
        )],
        nps: vec![
            nps(901, 30, Some(1), 9, "Great support"),
            nps(902, 100, Some(3), 5, "Too many outages"),
        ],
        alerts: vec![
            alert(
                1001,
                2,
                "usage_drop",
                "Usage fell 56% against the month before",
                AlertState::Open,
            ),
            alert(
                1002,
                30,
                "health_transition",
                "Health went from healthy to concerning",
                AlertState::Done,
            ),
        ],
        plans: vec![plan(1101, "FY26 success plan", PlanStatus::Active)],
        objectives: vec![
            objective(1201, Some(1101), "Cut support load", Some(90), None),
            objective(1202, Some(1101), "Go live in EMEA", Some(-10), Some(-15)),
            objective(1203, Some(1101), "Adopt dashboards", Some(120), None),
        ],
        kpis: vec![
            kpi(
                1301,
                1201,
                "Ticket backlog",
                "tickets",
                (120.0, 80.0, 60.0),
                KpiStatus::OnTrack,
                Some(-2),
            ),
            kpi(
                1302,
                1202,
                "Sites live",
                "sites",
                (0.0, 5.0, 5.0),
                KpiStatus::Completed,
                Some(-15),
            ),
            kpi(
                1303,
                1203,
                "Dashboard adoption",
                "%",
                (10.0, 30.0, 80.0),
                KpiStatus::OffTrack,
                Some(-5),
            ),
            kpi(
                1304,
                1203,
                "Weekly active users",
                "users",
                (50.0, 55.0, 200.0),
                KpiStatus::Blocked,
                Some(-5),
            ),
            kpi(
                1305,
                1201,
                "First response time",
                "hours",
                (24.0, 24.0, 4.0),
                KpiStatus::NotStarted,
                None,
            ),
        ],
        challenges: vec![
            challenge(
                1401,
                "Manual reporting costs two FTE",
                Severity::High,
                ChallengeStatus::Open,
            ),
            challenge(
                1402,
                "Slow onboarding",
                Severity::Medium,
                ChallengeStatus::Addressed,
            ),
        ],
        health: Some(health(52.0)),
        weekly: vec![week(4, 60.0), week(2, 56.0), week(1, 54.0)],
        ..World::empty()
    }
}

fn full(w: &World) -> AccountSummary {
    summarize(&w.input(), &Settings::default(), now())
}

fn texts(s: &AccountSummary, id: SectionId) -> Vec<String> {
    s.section(id)
        .map(|s| s.statements.iter().map(|st| st.text.clone()).collect())
        .unwrap_or_default()
}

fn cites(s: &AccountSummary, id: SectionId) -> Vec<Citation> {
    s.section(id)
        .map(|s| {
            s.statements
                .iter()
                .flat_map(|st| st.citations.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn c(kind: EntityKind, id: Id) -> Citation {
    Citation { kind, id }
}

fn has(lines: &[String], part: &str) -> bool {
    lines.iter().any(|l| l.contains(part))
}

#[test]
fn sections_keys_and_titles() {
    let s = full(&world());
    let ids: Vec<SectionId> = s.sections.iter().map(|s| s.id).collect();
    assert_eq!(ids, SectionId::ALL);
    assert_eq!(s.sections[2].title, "Executive Summary");
    assert_eq!(
        SectionId::Expansion.title(),
        "Suggested Expansion Opportunities"
    );
    for id in SectionId::ALL {
        assert_eq!(id.key().parse::<SectionId>(), Ok(*id));
        assert_eq!(SectionId::from_title(id.title()), Some(*id));
        assert_eq!(
            serde_json::to_string(id).unwrap(),
            format!("\"{}\"", id.key())
        );
    }
    let err = "kpis".parse::<SectionId>().unwrap_err();
    assert!(
        err.contains("'kpis'") && err.contains("kpi_progress, relational_health"),
        "{err}"
    );
}

#[test]
fn settings_refuse_duplicates_and_nothing() {
    assert_eq!(Settings::default().check(), Ok(()));
    assert_eq!(Settings::default().sections.len(), 10);
    let twice = Settings {
        sections: vec![SectionId::Risks, SectionId::Highlights, SectionId::Risks],
    };
    assert!(
        twice
            .check()
            .unwrap_err()
            .contains("'risks' is listed twice")
    );
    assert!(
        Settings { sections: vec![] }
            .check()
            .unwrap_err()
            .contains("at least one")
    );
    let json: Settings =
        serde_json::from_str(r#"{"sections":["next_steps","highlights"]}"#).unwrap();
    assert_eq!(
        json.sections,
        vec![SectionId::NextSteps, SectionId::Highlights]
    );
    // Shown in the settings' order, each once.
    let s = summarize(&world().input(), &twice, now());
    let ids: Vec<SectionId> = s.sections.iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![SectionId::Risks, SectionId::Highlights]);
}

#[test]
fn highlights_say_revenue_products_health_kpis_cases_projects_pipeline() {
    let s = full(&world());
    let h = texts(&s, SectionId::Highlights);
    assert_eq!(
        h,
        vec![
            "Annual revenue: $144,000 (12 × $12,000 MRR) from 2 active agreements.",
            "Product family: Premium Support and Tend Cloud.",
            "Stage: adoption; health concerning at 52/100, down 8 points over 4 weeks.",
            "Objective KPIs: 40% of the way to target on average across 5 KPIs; 1 completed, 1 on track, 1 off track, 1 blocked and 1 not started.",
            "Support: 2 open cases, 1 escalated (#4701 \"SSO login fails\").",
            "Projects: 2 active, 2 red: \"Data migration\" (past due since 2026-03-11) and \"Reporting setup\" (1 overdue task).",
            "Opportunities: 2 open opportunities worth $52,000 ($23,000 weighted); 1 active expansion opportunity worth $40,000.",
        ]
    );
    let section = s.section(SectionId::Highlights).unwrap();
    // Revenue rests on the active agreements only, not the expired one.
    assert_eq!(
        section.statements[0].citations,
        vec![c(EntityKind::Agreement, 301), c(EntityKind::Agreement, 302)]
    );
    assert_eq!(
        section.statements[2].citations,
        vec![c(EntityKind::Account, ACCOUNT)]
    );
    assert_eq!(
        section.statements[4].citations,
        vec![
            c(EntityKind::SupportCase, 201),
            c(EntityKind::SupportCase, 202)
        ]
    );
}

#[test]
fn stakeholders_list_the_team_then_contacts_most_engaged_first() {
    let s = full(&world());
    assert_eq!(
        texts(&s, SectionId::Stakeholders),
        vec![
            "Internal: maya.chen (CSM, account owner); account team: leo.martin.",
            "Customer: Sam Park, Operations Lead (champion): 4 interactions, last on 2026-03-14.",
            "Customer: Dana Ruiz, CFO (sponsor, decision maker): 3 interactions, last on 2026-03-06.",
            "Customer: Ana Gomez, Data Analyst: 1 interaction, last on 2026-03-11.",
            "Customer: Tom Lee, CTO: no recent interaction.",
        ]
    );
    let section = s.section(SectionId::Stakeholders).unwrap();
    assert_eq!(
        section.statements[1].citations,
        vec![c(EntityKind::Contact, 2), c(EntityKind::Interaction, 106)]
    );
    assert_eq!(section.note, None);
}

#[test]
fn kpi_progress_lists_progressed_kpis_newest_measured_first() {
    let s = full(&world());
    let k = texts(&s, SectionId::KpiProgress);
    assert_eq!(
        k,
        vec![
            "\"Ticket backlog\" (objective \"Cut support load\"): 80 tickets, from 120 tickets toward 60 tickets, 67% of the way; on track, measured 2026-03-14.",
            "\"Dashboard adoption\" (objective \"Adopt dashboards\"): 30%, from 10% toward 80%, 29% of the way; off track, measured 2026-03-11.",
            "\"Weekly active users\" (objective \"Adopt dashboards\"): 55 users, from 50 users toward 200 users, 3% of the way; blocked, measured 2026-03-11.",
            "\"Sites live\" (objective \"Go live in EMEA\"): 5 sites, from 0 sites toward 5 sites, 100% of the way; completed, measured 2026-03-01.",
            "No measurable progress yet on 1 KPI: \"First response time\" (not started).",
        ]
    );
    let empty = summarize(&World::empty().input(), &Settings::default(), now());
    let section = empty.section(SectionId::KpiProgress).unwrap();
    assert!(section.statements.is_empty());
    assert_eq!(
        section.note.as_deref(),
        Some("No KPIs recorded for this account.")
    );
}

#[test]
fn achievements_never_mention_kpis_off_track_blocked_or_not_started() {
    let w = world();
    let s = full(&w);
    let a = texts(&s, SectionId::Achievements);
    for name in [
        "Dashboard adoption",
        "Weekly active users",
        "First response time",
    ] {
        assert!(!has(&a, name), "{name} in {a:#?}");
    }
    for id in [1303, 1304, 1305] {
        assert!(!cites(&s, SectionId::Achievements).contains(&c(EntityKind::Kpi, id)));
    }
    assert_eq!(
        a,
        vec![
            "KPI \"Sites live\" completed for objective \"Go live in EMEA\": from 0 sites to 5 sites against a target of 5 sites (measured 2026-03-01).",
            "Objective reached: \"Go live in EMEA\" on 2026-03-01 (success plan \"FY26 success plan\").",
            "Go-live task done: \"Go-live checklist\".",
            "Go-live: \"Go-live of the EMEA sites\" (email from Sam Park on 2026-03-01).",
            "Won expansion \"Berlin seats\": $30,000, closed 2026-02-24.",
            "KPI \"Ticket backlog\" on track for objective \"Cut support load\": from 120 tickets to 80 tickets, 67% of the way to 60 tickets (measured 2026-03-14).",
            "Project \"EMEA rollout\" completed.",
            "Business challenge \"Slow onboarding\" (medium severity) addressed.",
        ]
    );
    // Only the off-track and blocked KPIs: nothing to report.
    let mut w = World::empty();
    w.objectives = world().objectives;
    w.kpis = world()
        .kpis
        .into_iter()
        .filter(|k| k.id == 1303 || k.id == 1304)
        .collect();
    w.objectives.iter_mut().for_each(|o| o.completed_on = None);
    let s = full(&w);
    let section = s.section(SectionId::Achievements).unwrap();
    assert!(section.statements.is_empty());
    assert!(
        section
            .note
            .as_deref()
            .unwrap()
            .starts_with("No achievement to report yet")
    );
}

#[test]
fn relational_health_reads_sentiment_collaboration_executives_nps() {
    let s = full(&world());
    assert_eq!(
        texts(&s, SectionId::RelationalHealth),
        vec![
            "Customer sentiment since 2026-02-24: 2 positive, 1 neutral and 1 negative of 4 scored interactions; improving (average +0.40 over the latest 2 against +0.05 before).",
            "Collaboration since 2026-02-04: 1 meeting and 1 call; last customer touch on 2026-03-14 (2 days ago), call with Sam Park.",
            "Executive engagement since 2026-02-04: Dana Ruiz (CFO) in 3 interactions, last on 2026-03-06; Tom Lee (CTO) in none.",
            "NPS: +0 from 2 responses in the last 12 months (average 7, 1 promoter, 1 detractor); latest 9 from Dana Ruiz on 2026-02-14: \"Great support\".",
        ]
    );
    let section = s.section(SectionId::RelationalHealth).unwrap();
    assert_eq!(
        section.statements[0].citations,
        vec![
            c(EntityKind::Interaction, 101),
            c(EntityKind::Interaction, 103),
            c(EntityKind::Interaction, 107)
        ]
    );
}

#[test]
fn risks_come_worst_first_with_their_records() {
    let s = full(&world());
    let r = texts(&s, SectionId::Risks);
    assert_eq!(
        r,
        vec![
            "Renewal decision due 2026-05-15 (in 60 days; the term ends 2026-05-15) while health is concerning.",
            "Case #4701 \"SSO login fails\": escalated, urgent priority, severity 1, open for 12 days (status open).",
            "1 negative customer interaction since 2026-02-04; the most negative: \"Outage again this morning\" (email from Dana Ruiz on 2026-02-24, -0.80).",
            "KPI \"Weekly active users\" is blocked at 55 users (baseline 50 users, target 200 users) for objective \"Adopt dashboards\".",
            "Open high-severity business challenge \"Manual reporting costs two FTE\", raised on 2025-12-06.",
            "Health is concerning at 52/100; weakest components: Engagement 32, Support 62; biggest drag: days since last touch is 47 days (lower is better).",
            "KPI \"Dashboard adoption\" is off track at 30% (baseline 10%, target 80%) for objective \"Adopt dashboards\".",
            "Project \"Data migration\" is red: past due since 2026-03-11.",
            "Project \"Reporting setup\" is red: 1 overdue task.",
            "1 overdue task; the oldest: \"Send QBR deck\" due 2026-03-13, maya.chen.",
            "1 open alert; the latest: \"Usage fell 56% against the month before\" (usage drop, 2026-03-14).",
        ]
    );
    let section = s.section(SectionId::Risks).unwrap();
    assert_eq!(
        section.statements[0].citations,
        vec![
            c(EntityKind::Account, ACCOUNT),
            c(EntityKind::Agreement, 301),
            c(EntityKind::Agreement, 302)
        ]
    );
    // A healthy account with nothing open has no risk.
    let mut w = World::empty();
    w.health = Some(health(85.0));
    let s = full(&w);
    let section = s.section(SectionId::Risks).unwrap();
    assert!(section.statements.is_empty());
    assert_eq!(
        section.note.as_deref(),
        Some("No risk or blocker found in the account's records.")
    );
}

#[test]
fn expansion_quotes_signals_and_lists_open_expansion_opportunities() {
    let s = full(&world());
    assert_eq!(
        texts(&s, SectionId::Expansion),
        vec![
            "Email from Sam Park on 2026-03-13 mentions \"expand\" and \"more seats\": \"Could you send a proposal for 40 more seats?\"",
            "Open expansion opportunity \"Madrid seats\": $40,000 in proposal (50%), expected to close on 2026-04-30.",
        ]
    );
    assert_eq!(
        cites(&s, SectionId::Expansion),
        vec![
            c(EntityKind::Interaction, 101),
            c(EntityKind::Opportunity, 401)
        ]
    );
    let empty = full(&World::empty());
    assert_eq!(
        empty.section(SectionId::Expansion).unwrap().note.as_deref(),
        Some(
            "No expansion signal in the account's interactions and no open expansion opportunity."
        )
    );
}

#[test]
fn immediate_actions_list_what_is_urgent_overdue_unanswered_and_due() {
    let s = full(&world());
    assert_eq!(
        texts(&s, SectionId::ImmediateActions),
        vec![
            "Update the customer on case #4701 \"SSO login fails\" (escalated, urgent priority, severity 1), open since 2026-03-04, status open.",
            "Overdue by 3 days: \"Send QBR deck\" (due 2026-03-13, maya.chen, normal priority).",
            "Reply to Ana Gomez: \"Invoice question\", received 2026-03-11 (5 days ago) and not answered yet.",
            "Handle the usage drop alert of 2026-03-14: \"Usage fell 56% against the month before\".",
            "Playbook \"Onboarding\" waits on step 2 of 3 (\"Call the champion\") since 2026-03-12.",
            "Due in 2 days: \"Send revised pricing\" (2026-03-18, maya.chen, normal priority).",
            "Due in 4 days: \"Prepare renewal meeting\" (2026-03-20, maya.chen, normal priority).",
        ]
    );
    let section = s.section(SectionId::ImmediateActions).unwrap();
    assert_eq!(
        section.statements[4].citations,
        vec![
            c(EntityKind::Playbook, 701),
            c(EntityKind::PlaybookRun, 801)
        ]
    );
}

#[test]
fn executive_summary_and_next_steps_are_built_from_the_other_sections() {
    let s = full(&world());
    assert_eq!(
        texts(&s, SectionId::ExecutiveSummary),
        vec![
            "Northwind Logistics, in adoption: $144,000 in annual revenue; health concerning at 52/100, down 8 points over 4 weeks.",
            "Relationship: customer sentiment mostly positive (2 positive, 1 negative of 4), improving; last customer touch 2 days ago; executive engagement from Dana Ruiz (last on 2026-03-06); NPS +0 over 2 responses.",
            "Biggest risk: renewal decision in 60 days with health concerning (10 more risks in the Risks and Blockers).",
            "Performance: KPIs 40% of the way to target on average; \"Ticket backlog\" 67% of the way to target (on track); no measurable progress yet on 1 KPI.",
            "Leading achievement: KPI \"Sites live\" completed, from 0 sites to 5 sites (and 7 more).",
        ]
    );
    let steps = texts(&s, SectionId::NextSteps);
    assert_eq!(
        steps[0],
        "Prepare the renewal before its notice date, 2026-05-15: review the value delivered with the sponsor and answer the open risks."
    );
    assert!(has(
        &steps,
        "Clear the immediate actions this week: 1 urgent case, 1 overdue task, 1 unanswered email, 1 open alert, 1 waiting playbook step and 2 tasks due this week."
    ));
    assert!(has(
        &steps,
        "Reach 60 tickets on \"Ticket backlog\" by 2026-06-14, the objective's due date (now 80 tickets)."
    ));
    assert!(has(
        &steps,
        "Qualify the expansion interest Sam Park raised on 2026-03-13"
    ));
    assert!(has(
        &steps,
        "Show the value delivered at the next business review, starting with KPI \"Sites live\" completed"
    ));
    // The derived sections cite only what their feeders cite.
    let mut fed: Vec<Citation> = SectionId::NextSteps
        .feeders()
        .iter()
        .flat_map(|id| cites(&s, *id))
        .collect();
    fed.sort();
    for cite in cites(&s, SectionId::NextSteps) {
        assert!(fed.binary_search(&cite).is_ok(), "{cite:?}");
    }
}

#[test]
fn hidden_feeders_leave_the_derived_sections_without_data() {
    let w = world();
    let hidden = "Not enough data: every section this one is built from is hidden.";
    let settings = Settings {
        sections: vec![
            SectionId::ExecutiveSummary,
            SectionId::NextSteps,
            SectionId::Stakeholders,
        ],
    };
    let s = summarize(&w.input(), &settings, now());
    for id in [SectionId::ExecutiveSummary, SectionId::NextSteps] {
        let section = s.section(id).unwrap();
        assert!(section.statements.is_empty());
        assert_eq!(section.note.as_deref(), Some(hidden));
    }
    // One feeder shown is enough, and only its statements are used.
    let settings = Settings {
        sections: vec![
            SectionId::ExecutiveSummary,
            SectionId::NextSteps,
            SectionId::Expansion,
        ],
    };
    let s = summarize(&w.input(), &settings, now());
    assert_eq!(
        s.section(SectionId::ExecutiveSummary)
            .unwrap()
            .note
            .as_deref(),
        Some(hidden)
    );
    let steps = texts(&s, SectionId::NextSteps);
    assert_eq!(steps.len(), 1);
    assert!(steps[0].starts_with("Qualify the expansion interest Sam Park"));
    // Shown but with nothing to say: a note that says so.
    let settings = Settings {
        sections: vec![SectionId::ExecutiveSummary, SectionId::KpiProgress],
    };
    let s = summarize(&World::empty().input(), &settings, now());
    let section = s.section(SectionId::ExecutiveSummary).unwrap();
    assert!(section.statements.is_empty());
    assert!(
        section
            .note
            .as_deref()
            .unwrap()
            .starts_with("Not enough data to summarise")
    );
}

/// 300 interactions, one a day, the newest today.
fn busy() -> World {
    let mut w = World::empty();
    w.contacts = vec![contact(1, "Dana Ruiz", Some("CFO"), &["sponsor"])];
    w.interactions = (0..300)
        .map(|k| {
            email_in(
                1000 + k,
                k,
                1,
                &format!("Weekly sync {k}"),
                "We may need more seats for the new team.",
                if k % 2 == 0 { 0.5 } else { -0.5 },
            )
        })
        .collect();
    w
}

#[test]
fn sections_read_only_the_most_recent_interactions_and_say_so() {
    let w = busy();
    let s = full(&w);
    let note = |id| s.section(id).unwrap().note.clone().unwrap_or_default();
    assert_eq!(
        note(SectionId::RelationalHealth),
        format!(
            "Based on the 50 most recent interactions, from {}.",
            day(-49)
        )
    );
    assert_eq!(
        note(SectionId::Expansion),
        format!(
            "Based on the 200 most recent interactions, from {}.",
            day(-199)
        )
    );
    assert_eq!(
        note(SectionId::Stakeholders),
        format!(
            "Based on the 200 most recent interactions, from {}.",
            day(-199)
        )
    );
    assert_eq!(
        note(SectionId::Risks),
        format!(
            "Based on the 100 most recent interactions, from {}.",
            day(-99)
        )
    );
    // Nothing older than a section's window is cited by it.
    for (id, limit) in [(SectionId::RelationalHealth, 50), (SectionId::Risks, 100)] {
        for cite in cites(&s, id) {
            if cite.kind == EntityKind::Interaction {
                assert!(cite.id < 1000 + limit, "{id}: {cite:?}");
            }
        }
    }
    assert!(has(
        &texts(&s, SectionId::RelationalHealth),
        "25 positive, 0 neutral and 25 negative of 50 scored interactions"
    ));
    // The expansion section quotes five and counts the rest.
    let e = texts(&s, SectionId::Expansion);
    assert_eq!(e.len(), 6);
    assert!(e[5].starts_with("195 more interactions also mention expansion signals"));
    // A small account: no note.
    assert_eq!(
        full(&world())
            .section(SectionId::RelationalHealth)
            .unwrap()
            .note,
        None
    );
}

#[test]
fn same_input_in_any_order_gives_the_same_summary() {
    let w = world();
    let mut shuffled = world();
    shuffled.interactions.reverse();
    shuffled.contacts.reverse();
    shuffled.tasks.reverse();
    shuffled.kpis.reverse();
    shuffled.cases.reverse();
    shuffled.agreements.reverse();
    shuffled.opportunities.reverse();
    shuffled.objectives.reverse();
    let a = full(&w);
    assert_eq!(a, full(&w));
    assert_eq!(a, full(&shuffled));
}

#[test]
fn records_round_trip_and_keep_bodies_readable() {
    let s = full(&world());
    let record = s.to_record("maya.chen");
    assert_eq!((record.id, record.version), (0, 1));
    assert_eq!(record.generated_at, now());
    assert_eq!(record.created_at, now());
    assert_eq!(record.author, "maya.chen");
    assert_eq!(record.sections.len(), 10);
    let kpi = &record.sections[3];
    assert_eq!(kpi.title, "KPI Progress");
    assert_eq!(kpi.body.lines().count(), kpi.statements.len());
    assert_eq!(
        AccountSummary::from_record(&record, "Northwind Logistics"),
        s
    );
    // A section with nothing to say saves its note as the body.
    let empty = full(&World::empty()).to_record("x");
    assert_eq!(empty.sections[3].body, "No KPIs recorded for this account.");
    // An older record with bodies only reads them as statements.
    let mut old = record.clone();
    old.sections.truncate(1);
    old.sections[0].statements.clear();
    old.sections[0].title = "Some retired section".into();
    assert!(AccountSummary::from_record(&old, "N").sections.is_empty());
    old.sections[0].title = "Account Highlights".into();
    let back = AccountSummary::from_record(&old, "N");
    assert_eq!(back.sections[0].statements.len(), 7);
    assert!(back.sections[0].statements[0].citations.is_empty());
}

#[test]
fn markdown_has_headings_bullets_citations_and_notes() {
    let summary = AccountSummary {
        account_id: ACCOUNT,
        account_name: "Northwind Logistics".into(),
        generated_at: now(),
        sections: vec![
            Section {
                id: SectionId::Risks,
                title: "Risks and Blockers".into(),
                statements: vec![Statement {
                    text: "Case #12 is escalated.".into(),
                    citations: vec![
                        c(EntityKind::Interaction, 40),
                        c(EntityKind::SupportCase, 12),
                        c(EntityKind::Interaction, 41),
                    ],
                }],
                note: Some("Based on the 100 most recent interactions, from 2026-01-01.".into()),
            },
            Section {
                id: SectionId::KpiProgress,
                title: "KPI Progress".into(),
                statements: vec![],
                note: Some("No KPIs recorded for this account.".into()),
            },
        ],
    };
    assert_eq!(
        summary.to_markdown(),
        "# Account summary: Northwind Logistics\n\
         \n\
         _Generated 2026-03-16 12:00 UTC_\n\
         \n\
         ## Risks and Blockers\n\
         \n\
         - Case #12 is escalated. [interactions 40, 41; case 12]\n\
         \n\
         _Based on the 100 most recent interactions, from 2026-01-01._\n\
         \n\
         ## KPI Progress\n\
         \n\
         _No KPIs recorded for this account._\n"
    );
    let md = full(&world()).to_markdown();
    assert_eq!(md.matches("\n## ").count(), 10);
    assert!(md.contains("- Annual revenue: $144,000 (12 × $12,000 MRR) from 2 active agreements. [agreements 301, 302]\n"));
}

#[test]
fn changes_since_lists_added_and_removed_statements_per_section() {
    let w = world();
    let older = full(&w);
    let mut w2 = world();
    // The escalated case is solved and a new task is overdue.
    w2.cases[0].status = CaseStatus::Solved;
    w2.tasks
        .push(task(605, "Call Tom", TaskStatus::Todo, Some(-1), None));
    let newer = full(&w2);
    let changes = newer.changes_since(&older);
    let risks = changes.iter().find(|c| c.id == SectionId::Risks).unwrap();
    assert!(risks.removed.iter().any(|t| t.starts_with("Case #4701")));
    assert!(risks.added.iter().any(|t| t.starts_with("2 overdue tasks")));
    assert!(changes.iter().all(|c| c.id != SectionId::Stakeholders));
    assert!(newer.changes_since(&newer).is_empty());
    // A section only the older summary shows: all its statements are removed.
    let mut fewer = newer.clone();
    fewer.sections.retain(|s| s.id != SectionId::Expansion);
    let gone = fewer.changes_since(&newer);
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].id, SectionId::Expansion);
    assert_eq!(gone[0].removed.len(), 2);
}

#[test]
fn an_account_with_nothing_says_so_in_notes() {
    let s = full(&World::empty());
    for section in &s.sections {
        if section.statements.is_empty() {
            assert!(section.note.is_some(), "{}", section.title);
        }
        for st in &section.statements {
            assert!(!st.text.trim().is_empty());
            assert!(!st.citations.is_empty(), "{}: {}", section.title, st.text);
        }
    }
    assert_eq!(
        texts(&s, SectionId::Highlights)[0],
        "Annual revenue: none recorded (no agreement on file)."
    );
    assert_eq!(
        s.section(SectionId::RelationalHealth)
            .unwrap()
            .note
            .as_deref(),
        Some("No interactions, NPS responses or pulse recorded for this account.")
    );
}
