//! Day separators and timestamps for the message log, computed from a
//! message's `at` (ms since the epoch, display only) and the viewer's UTC
//! offset, with no time-zone database: the browser tells us its offset.

/// Days since 1970-01-01 in the viewer's local time.
/// `utc_offset_min` is local minus UTC (east positive: Paris in winter is +60).
pub fn local_day(at_ms: u64, utc_offset_min: i32) -> i64 {
    (at_ms as i64 + i64::from(utc_offset_min) * 60_000).div_euclid(86_400_000)
}

/// "14:05", local time.
pub fn time_label(at_ms: u64, utc_offset_min: i32) -> String {
    let minutes = (at_ms as i64 / 60_000 + i64::from(utc_offset_min)).rem_euclid(24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Walks a log in order and says where a new day starts: call
/// [`DaySeparators::before`] with each message's time; it returns the
/// day's label for the first message of each day.
pub struct DaySeparators {
    utc_offset_min: i32,
    today: i64,
    last: std::cell::Cell<Option<i64>>,
}

impl DaySeparators {
    pub fn new(now_ms: u64, utc_offset_min: i32) -> DaySeparators {
        DaySeparators { utc_offset_min, today: local_day(now_ms, utc_offset_min), last: None.into() }
    }

    pub fn before(&self, at_ms: u64) -> Option<String> {
        let day = local_day(at_ms, self.utc_offset_min);
        (self.last.replace(Some(day)) != Some(day)).then(|| day_label(day, self.today))
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"];

/// "Today", "Yesterday", a weekday within the last week, else "3 Nov 2026".
pub fn day_label(day: i64, today: i64) -> String {
    match today - day {
        0 => "Today".into(),
        1 => "Yesterday".into(),
        2..=6 => WEEKDAYS[day.rem_euclid(7) as usize].into(),
        _ => {
            let (y, m, d) = civil_from_days(day);
            format!("{d} {} {y}", MONTHS[(m - 1) as usize])
        }
    }
}

/// "2026-11-21 23:30 UTC": an unambiguous stamp for records (tickets).
pub fn utc_stamp(at_ms: u64) -> String {
    let (y, m, d) = civil_from_days(local_day(at_ms, 0));
    format!("{y:04}-{m:02}-{d:02} {} UTC", time_label(at_ms, 0))
}

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01
/// (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-21 23:30 UTC
    const AT: u64 = 1_795_303_800_000;

    #[test]
    fn local_days_and_times_follow_the_offset() {
        assert_eq!(time_label(AT, 0), "23:30");
        assert_eq!(time_label(AT, 60), "00:30", "Paris is already tomorrow");
        assert_eq!(time_label(AT, -300), "18:30");
        assert_eq!(local_day(AT, 60), local_day(AT, 0) + 1);
    }

    #[test]
    fn a_separator_starts_each_day_once() {
        let days = DaySeparators::new(AT, 0);
        let hour = 3_600_000;
        let got: Vec<_> = [AT - 30 * hour, AT - 29 * hour, AT - hour, AT].iter().map(|&at| days.before(at)).collect();
        assert_eq!(got, [Some("Yesterday".to_owned()), None, Some("Today".to_owned()), None]);
    }

    #[test]
    fn labels_read_like_a_chat_app() {
        let today = local_day(AT, 0);
        assert_eq!(day_label(today, today), "Today");
        assert_eq!(day_label(today - 1, today), "Yesterday");
        assert_eq!(day_label(today - 2, today), "Thursday");
        assert_eq!(day_label(today - 30, today), "22 Oct 2026");
        assert_eq!(day_label(0, today), "1 Jan 1970");
        assert_eq!(civil_from_days(today), (2026, 11, 21));
        assert_eq!(utc_stamp(AT), "2026-11-21 23:30 UTC");
    }
}
