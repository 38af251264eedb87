//! Words the generator writes: company names, people, and the text of interactions.
//!
//! Placeholders: {first} the contact's first name, {csm} the account owner,
//! {product} the product, {feature} a feature, {company} the account, {days} a number.

pub(crate) const PRODUCT: &str = "Tend Cloud";

pub(crate) const FEATURES: &[&str] = &[
    "dashboards",
    "reports",
    "workflows",
    "integrations",
    "exports",
    "alerts",
    "api",
    "mobile",
    "sso",
    "audit_log",
];

pub(crate) const NAME_HEADS: &[&str] = &[
    "Acorn",
    "Alder",
    "Apex",
    "Arbor",
    "Aster",
    "Atlas",
    "Aurora",
    "Beacon",
    "Birch",
    "Blue Fjord",
    "Boreal",
    "Cairn",
    "Cascade",
    "Cedar",
    "Cinder",
    "Cobalt",
    "Copper",
    "Coral",
    "Crescent",
    "Delta",
    "Driftwood",
    "Ember",
    "Evergreen",
    "Falcon",
    "Fern",
    "Flint",
    "Garnet",
    "Glacier",
    "Granite",
    "Harbor",
    "Hawthorn",
    "Helix",
    "Heron",
    "Horizon",
    "Indigo",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lantern",
    "Linden",
    "Lumen",
    "Magnolia",
    "Maple",
    "Marble",
    "Mistral",
    "Nimbus",
    "Northwind",
    "Oakridge",
    "Obsidian",
    "Onyx",
    "Osprey",
    "Pacific",
    "Pine",
    "Polaris",
    "Quarry",
    "Quill",
    "Redwood",
    "Ridge",
    "River",
    "Saffron",
    "Sequoia",
    "Sierra",
    "Silverline",
    "Slate",
    "Solstice",
    "Spruce",
    "Summit",
    "Tamarack",
    "Tidewater",
    "Timber",
    "Topaz",
    "Tundra",
    "Umber",
    "Vantage",
    "Verdant",
    "Vista",
    "Willow",
    "Windmere",
    "Zephyr",
    "Zenith",
];

pub(crate) const NAME_TAILS: &[&str] = &[
    "Analytics",
    "Bank",
    "Biotech",
    "Capital",
    "Clinics",
    "Construction",
    "Consulting",
    "Dairy",
    "Energy",
    "Engineering",
    "Foods",
    "Freight",
    "Games",
    "Health",
    "Hotels",
    "Insurance",
    "Labs",
    "Legal",
    "Logistics",
    "Manufacturing",
    "Media",
    "Mining",
    "Motors",
    "Networks",
    "Pharma",
    "Retail",
    "Robotics",
    "Security",
    "Software",
    "Studios",
    "Telecom",
    "Textiles",
    "Travel",
    "Utilities",
    "Ventures",
    "Wines",
];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Ada", "Alan", "Amara", "Anika", "Arjun", "Beatriz", "Ben", "Camille", "Chen", "Chloe", "Dana",
    "Diego", "Elena", "Emeka", "Erik", "Fatima", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan",
    "Jamal", "Jana", "Jonas", "Julia", "Kai", "Kenji", "Lara", "Leo", "Lina", "Luca", "Maya",
    "Mateo", "Mei", "Nadia", "Noah", "Nora", "Olga", "Omar", "Paula", "Priya", "Rafael", "Rosa",
    "Sami", "Sara", "Sofia", "Tariq", "Tomas", "Uma", "Victor", "Yara", "Yusuf", "Zoe",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Abebe", "Alvarez", "Andersen", "Bauer", "Bianchi", "Costa", "Dubois", "Eriksen", "Fischer",
    "Garcia", "Haddad", "Ivanova", "Jensen", "Kaur", "Kim", "Kowalski", "Laurent", "Lopez",
    "Martin", "Meyer", "Moreau", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel",
    "Petrov", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Tanaka", "Weber", "Wong", "Yilmaz",
    "Zhang",
];

pub(crate) const CSMS: &[&str] = &[
    "maya.chen",
    "leo.martin",
    "priya.patel",
    "jonas.weber",
    "sofia.rossi",
    "omar.haddad",
];

pub(crate) const CRM_TITLES: &[&str] = &[
    "Head of Operations",
    "IT Manager",
    "Project Manager",
    "Finance Director",
    "Procurement Lead",
    "Customer Service Manager",
    "Data Analyst",
];

pub(crate) const SPONSOR_TITLES: &[&str] = &[
    "CEO",
    "COO",
    "CFO",
    "VP Operations",
    "CTO",
    "Managing Director",
];

pub(crate) const CHAMPION_TITLES: &[&str] = &[
    "Operations Lead",
    "Product Owner",
    "Head of Customer Experience",
    "Systems Administrator",
];

pub(crate) const REGIONS: &[&str] = &["EMEA", "NA", "APAC", "LATAM"];
pub(crate) const TEAMS: &[&str] = &["Platform", "Billing", "Integrations", "Mobile", "Security"];
pub(crate) const ACCOUNT_TAGS: &[&str] = &[
    "strategic",
    "reference",
    "beta",
    "partner",
    "public_sector",
    "healthcare",
    "fintech",
    "retail",
    "manufacturing",
];

/// Interaction texts by tone: (subject, body).
pub(crate) const POSITIVE: &[(&str, &str)] = &[
    (
        "Great quarter with {product}",
        "Hi {csm}, just wanted to say the team is really happy with {product}. The {feature} rollout went smoothly and our managers love the new views. Thanks for the great support!",
    ),
    (
        "Thank you for the workshop",
        "Thanks a lot for yesterday's workshop, {csm}. It was very helpful and the team is excited to use {feature} more widely. Great job.",
    ),
    (
        "Renewal: let's continue",
        "Hello {csm}, we reviewed the numbers and we are glad to confirm we want to continue with {product}. The value is clear and adoption keeps growing.",
    ),
    (
        "Expanding to the Madrid office",
        "Good news: the Madrid office wants to start using {product} too. Could you send a proposal for 40 more seats? Everyone is impressed with {feature}.",
    ),
    (
        "Quick win with {feature}",
        "We automated the weekly report with {feature} and saved about {days} hours a week. Brilliant, exactly what we needed.",
    ),
    (
        "Re: onboarding checklist",
        "All done on our side, thanks {csm}! The onboarding was easy and well organised. Looking forward to the next steps.",
    ),
    (
        "Business review follow-up",
        "Thanks for the clear business review. The results are excellent and leadership is pleased with the progress. Let's keep the momentum.",
    ),
    (
        "Kudos to your support team",
        "Your support engineer solved our integration question in under an hour. Fantastic service, much appreciated.",
    ),
];

pub(crate) const NEUTRAL: &[(&str, &str)] = &[
    (
        "Invoice address update",
        "Hi {csm}, please note our new invoice address from next month. The PO number stays the same.",
    ),
    (
        "Meeting notes {company}",
        "Agenda: review of {feature} usage, open tickets, next release. Attendees: {first} and {csm}. Next meeting in {days} days.",
    ),
    (
        "Question about {feature}",
        "Hello, is there a way to export the {feature} data as CSV? We would like to load it into our warehouse.",
    ),
    (
        "User list",
        "Attached is the updated list of users for the next quarter. Two people moved to another department.",
    ),
    (
        "Release notes",
        "Hi {first}, sharing the release notes for this month. The {feature} changes are in section 3.",
    ),
    (
        "Call summary",
        "Discussed the roadmap and the timeline for the {feature} migration. {first} will confirm the dates internally.",
    ),
    (
        "Training schedule",
        "The training sessions are planned for Tuesday and Thursday at 10:00. Please share the invite with the new users.",
    ),
    (
        "Contract documents",
        "Please find the signed order form and the data processing agreement in the shared folder.",
    ),
];

pub(crate) const NEGATIVE: &[(&str, &str)] = &[
    (
        "Outage again this morning",
        "Hi {csm}, {product} was down again this morning for two hours. This is the third outage this month and it is not acceptable. Our team could not work.",
    ),
    (
        "Very disappointed with {feature}",
        "Honestly we are very disappointed. {feature} is slow, the reports are wrong and nobody answered our ticket for {days} days.",
    ),
    (
        "Considering other options",
        "We are frustrated with the lack of progress on our requests. Management asked me to look at alternatives before the renewal.",
    ),
    (
        "Escalation: data sync broken",
        "The data sync has been broken since Monday. This is a serious problem for us and we need an urgent fix, not another workaround.",
    ),
    (
        "Invoice dispute",
        "The last invoice is wrong: we were charged for seats we removed. We will not pay it until this is corrected.",
    ),
    (
        "Adoption problems",
        "The team stopped using {feature}, they find it confusing and too complicated. Usage dropped and I can't justify the cost.",
    ),
    (
        "Re: ticket still open",
        "Still no answer on the ticket. Terrible experience so far, we feel ignored.",
    ),
    (
        "Performance issues",
        "Pages take forever to load and exports fail with errors. Our users are angry and the complaints keep coming.",
    ),
];

/// Comments left with NPS answers, by band.
pub(crate) const NPS_PROMOTER: &[&str] = &[
    "Great product and very responsive team.",
    "Easy to use, it saves us a lot of time.",
    "The best tool we adopted this year.",
];
pub(crate) const NPS_PASSIVE: &[&str] = &[
    "Good overall, some reports are slow.",
    "Does the job. Pricing is a bit high.",
    "Fine, but the mobile app needs work.",
];
pub(crate) const NPS_DETRACTOR: &[&str] = &[
    "Too many outages lately.",
    "Support is slow and the product is hard to use.",
    "Not worth the price for what we get.",
];

pub(crate) const CASE_SUBJECTS: &[&str] = &[
    "Cannot log in with SSO",
    "Export to CSV fails",
    "Dashboard loads slowly",
    "Invoice shows wrong seat count",
    "Webhook deliveries delayed",
    "Mobile app crashes on start",
    "API rate limit errors",
    "Report totals do not match",
    "Data sync stopped",
    "Permission error for new users",
    "Audit log missing entries",
    "Email notifications not sent",
];

pub(crate) const PROJECT_NAMES: &[&str] = &[
    "Onboarding",
    "Q3 business review",
    "SSO rollout",
    "Data migration",
    "Renewal preparation",
    "Expansion pilot",
];

pub(crate) const TASK_TITLES: &[&str] = &[
    "Send the kick-off agenda",
    "Schedule a training session",
    "Review open support cases",
    "Prepare the QBR deck",
    "Confirm the renewal terms",
    "Check the usage of {feature}",
    "Introduce the new support engineer",
    "Collect feedback from the champion",
    "Update the success plan",
    "Follow up on the invoice",
];
