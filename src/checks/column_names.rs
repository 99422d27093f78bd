//! What a column's name says it holds: an identifier, a date or time, a follow-up length.
//! Names are a hint beside the data, never a verdict alone: each check that reads them pairs them
//! with a signal in the values.

/// A survival table's own spellings end in "time" after at least one letter (futime, dtime):
/// the length of "time" plus one. A spelling, not a threshold.
const TIME_SUFFIX_MIN_LEN: usize = "time".len() + 1;

/// Whether a column name reads like an identifier (`id`, `customer_id`, `CustomerID`, `row_index`).
pub fn named_like_id(name: &str) -> bool {
    let tokens = name_tokens(name);
    let last = tokens.last().map(String::as_str).unwrap_or("");
    matches!(
        last,
        "id" | "uuid" | "guid" | "idx" | "index" | "key" | "rowid" | "rownum"
    ) || name.eq_ignore_ascii_case("unnamed: 0")
        || tokens.len() == 1 && matches!(last, "no" | "row")
}

/// Whether a column name reads like a date or a time (`Date`, `sale_day`, `YearSold`,
/// `timestamp`): a day number is unique, dense and integral like an id, but its order is time,
/// and a trend over time is not an id assigned in outcome order.
pub fn named_like_time(name: &str) -> bool {
    name_tokens(name).iter().any(|t| {
        matches!(
            t.as_str(),
            "date"
                | "day"
                | "days"
                | "time"
                | "timestamp"
                | "datetime"
                | "year"
                | "yr"
                | "month"
                | "week"
                | "epoch"
                | "period"
                | "quarter"
                | "dt"
        )
    })
}

/// Lower-case words of a name, split at non-alphanumerics and lower-to-upper case changes.
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let boundary =
            !c.is_alphanumeric() || (c.is_uppercase() && i > 0 && chars[i - 1].is_lowercase());
        if boundary && !cur.is_empty() {
            tokens.push(cur.to_lowercase());
            cur.clear();
        }
        if c.is_alphanumeric() {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        tokens.push(cur.to_lowercase());
    }
    tokens
}

/// Whether a column name reads like a follow-up length or a duration (`futime`, `follow_up_days`,
/// `survival_months`, `time_to_event`, `length_of_stay`, a survival table's plain `time`): a time
/// measured until the outcome happened or the observation stopped, which carries the outcome
/// through censoring.
pub fn named_like_duration(name: &str) -> bool {
    let tokens = name_tokens(name);
    let lower = name.to_lowercase();
    tokens.iter().any(|t| {
        matches!(
            t.as_str(),
            "time"
                | "followup"
                | "follow"
                | "survival"
                | "surv"
                | "duration"
                | "los"
                | "stay"
                | "censor"
                | "censored"
                | "ttd"
                | "tte"
        )
        // A survival table's own spellings: futime, dtime, rfstime, survtime.
        || (t.len() >= TIME_SUFFIX_MIN_LEN && t.ends_with("time") && !matches!(t.as_str(), "datetime" | "runtime"))
    }) || lower.contains("time_to")
        || lower.contains("days_to")
        || lower.contains("time to")
        || lower.contains("followup")
        || lower.contains("follow_up")
}

/// Whether a target's name reads like an event status (`status`, `death`, `died`, `event`,
/// `recurrence`, `vital_status`): what a follow-up length is measured until.
pub fn named_like_event(name: &str) -> bool {
    name_tokens(name).iter().any(|t| {
        matches!(
            t.as_str(),
            "status"
                | "death"
                | "dead"
                | "died"
                | "deceased"
                | "dth"
                | "event"
                | "censor"
                | "censored"
                | "vital"
                | "recur"
                | "recurrence"
                | "relapse"
                | "fail"
                | "failure"
                | "mortality"
                | "survived"
                | "alive"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{named_like_duration, named_like_event, named_like_id, named_like_time};

    #[test]
    fn id_names() {
        for n in [
            "id",
            "customer_id",
            "CustomerID",
            "row_index",
            "Unnamed: 0",
            "applicationId",
        ] {
            assert!(named_like_id(n), "{n}");
        }
        for n in ["idle_time", "width", "paid", "number_of_children", "valid"] {
            assert!(!named_like_id(n), "{n}");
        }
        for n in [
            "Date",
            "sale_day",
            "YearSold",
            "timestamp",
            "days_since_start",
        ] {
            assert!(named_like_time(n), "{n}");
        }
        for n in ["id", "weekday_count_x", "mayday", "update"] {
            assert!(!named_like_time(n), "{n}");
        }
        for n in [
            "futime",
            "follow_up_days",
            "survivalMonths",
            "time_to_event",
            "los",
        ] {
            assert!(named_like_duration(n), "{n}");
        }
        for n in [
            "tenure",
            "age",
            "closed_loans",
            "status",
            "lost_items",
            "datetime",
            "timestamp",
        ] {
            assert!(!named_like_duration(n), "{n}");
        }
        for n in ["status", "death", "vital_status", "DiedInHospital", "recur"] {
            assert!(named_like_event(n), "{n}");
        }
        for n in ["price", "readmitted", "churn", "y", "statistic"] {
            assert!(!named_like_event(n), "{n}");
        }
    }
}
