//! Business hours: is a site open at an instant, and when does that change.
//!
//! A site's hours are a weekly schedule in its own time zone. The edge (a
//! Worker) and the widget (WASM) both evaluate them, so the time-zone math
//! is here and small: a table of common IANA zones, each a standard offset
//! and one of five daylight-saving rules (none, US, EU, southern Australia,
//! New Zealand), as those rules stand today. A full tz database
//! (`chrono-tz`) would add about a megabyte of tables to both bundles for
//! history no schedule needs. Zones the table lacks are refused with the
//! list of the ones it has, never guessed.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A site's hours and how fast it answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    /// An IANA zone from [`ZONES`], e.g. `America/Los_Angeles`.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Open intervals per weekday in local time; a day left out is closed.
    /// Absent: open around the clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly: Option<BTreeMap<Day, Vec<Interval>>>,
    /// "Typically replies in N minutes", shown in the widget's header while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies_in_minutes: Option<u32>,
}

fn utc() -> String {
    "UTC".into()
}

impl Default for Hours {
    /// Open around the clock (the demo's default).
    fn default() -> Self {
        Hours { time_zone: utc(), weekly: None, replies_in_minutes: None }
    }
}

/// Days in the order the week starts on Monday (ISO).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub const ALL: [Day; 7] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri, Day::Sat, Day::Sun];

    /// The weekday of a day count since 1970-01-01 (a Thursday).
    fn of_days(days: i64) -> Day {
        Day::ALL[(days + 3).rem_euclid(7) as usize]
    }

    pub fn name(self) -> &'static str {
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][self as usize]
    }
}

/// `{"from": "08:00", "to": "18:00"}`, local time; `to` may be `24:00`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub from: String,
    pub to: String,
}

/// Why a schedule was refused (the admin route answers it as a 422).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidHours(pub String);

/// At most this many intervals a day (a split shift, a lunch break…).
pub const MAX_INTERVALS_PER_DAY: usize = 4;
/// A day and a half: longer is a typo, not a promise.
pub const MAX_REPLIES_IN_MINUTES: u32 = 2160;

const MINUTE_MS: i64 = 60_000;
const DAY_MIN: i64 = 1440;

/// Minutes since midnight of `HH:MM` (00:00–24:00).
fn minute_of(hhmm: &str) -> Option<i64> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (h <= 24 && m < 60 && total <= DAY_MIN).then_some(total)
}

impl Hours {
    /// Checks a schedule: a known zone, `HH:MM` times with `from` before `to`,
    /// no overlaps, a sane reply time.
    pub fn validate(&self) -> Result<(), InvalidHours> {
        zone(&self.time_zone).ok_or_else(|| {
            InvalidHours(format!(
                "Unknown time zone `{}`. Use one of: {}.",
                self.time_zone,
                ZONES.iter().map(|z| z.0).collect::<Vec<_>>().join(", ")
            ))
        })?;
        if self.replies_in_minutes.is_some_and(|n| n == 0 || n > MAX_REPLIES_IN_MINUTES) {
            return Err(InvalidHours(format!("replies_in_minutes must be 1–{MAX_REPLIES_IN_MINUTES}.")));
        }
        for (day, intervals) in self.weekly.iter().flatten() {
            if intervals.len() > MAX_INTERVALS_PER_DAY {
                return Err(InvalidHours(format!("At most {MAX_INTERVALS_PER_DAY} intervals a day ({day:?} has {}).", intervals.len())));
            }
            let mut spans = Vec::new();
            for i in intervals {
                let bad = || InvalidHours(format!("{day:?}: `{}`–`{}` is not a range of HH:MM times from 00:00 to 24:00.", i.from, i.to));
                let (from, to) = (minute_of(&i.from).ok_or_else(bad)?, minute_of(&i.to).ok_or_else(bad)?);
                if from >= to {
                    return Err(InvalidHours(format!(
                        "{day:?}: `{}` is not before `{}` (split a night shift at 24:00 into two days).",
                        i.from, i.to
                    )));
                }
                spans.push((from, to));
            }
            spans.sort();
            if spans.windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(InvalidHours(format!("{day:?}: intervals overlap.")));
            }
        }
        Ok(())
    }

    fn zone(&self) -> Zone {
        zone(&self.time_zone).unwrap_or(Zone(0, Dst::None))
    }

    /// The site's local weekday and minute of the day at `utc_ms`.
    pub fn local(&self, utc_ms: u64) -> (Day, i64) {
        let local_min = (utc_ms as i64).div_euclid(MINUTE_MS) + i64::from(self.zone().offset_min(utc_ms as i64));
        (Day::of_days(local_min.div_euclid(DAY_MIN)), local_min.rem_euclid(DAY_MIN))
    }

    fn spans(&self, day: Day) -> Vec<(i64, i64)> {
        let Some(weekly) = &self.weekly else { return vec![(0, DAY_MIN)] };
        weekly.get(&day).into_iter().flatten().filter_map(|i| Some((minute_of(&i.from)?, minute_of(&i.to)?))).collect()
    }

    pub fn is_open(&self, utc_ms: u64) -> bool {
        let (day, minute) = self.local(utc_ms);
        self.spans(day).iter().any(|&(from, to)| from <= minute && minute < to)
    }

    /// The next instant (ms, on a minute) at which open becomes closed or
    /// closed becomes open, within the next eight days; `None` if it never
    /// changes (open around the clock, or never open).
    pub fn next_change(&self, utc_ms: u64) -> Option<u64> {
        let now = self.is_open(utc_ms);
        let mut t = (utc_ms as i64).div_euclid(MINUTE_MS) * MINUTE_MS;
        let end = t + 8 * DAY_MIN * MINUTE_MS;
        while t < end {
            let (day, minute) = self.local(t as u64);
            // Jump to the next edge of this local day, but at most an hour,
            // so a daylight-saving shift in between is noticed.
            let next_edge = self.spans(day).iter().flat_map(|&(a, b)| [a, b]).filter(|&e| e > minute).min().unwrap_or(DAY_MIN);
            t += (next_edge - minute).clamp(1, 60) * MINUTE_MS;
            if self.is_open(t as u64) != now {
                return Some(t as u64);
            }
        }
        None
    }

    /// When the site next opens: `utc_ms` itself when open now.
    pub fn next_open(&self, utc_ms: u64) -> Option<u64> {
        if self.is_open(utc_ms) {
            Some(utc_ms)
        } else {
            self.next_change(utc_ms)
        }
    }
}

/// Why nobody can take a chat now: every way to a person (the button, a
/// typed "talk to a human", the bot's own handoff) then leads to "Leave a
/// message", never to the live queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unavailable {
    /// Outside the site's business hours.
    Closed,
    /// Open, but the site has `offline_when_no_agents` and no agent is online.
    NoAgents,
}

/// Whether a handoff may join the queue now: `None` if it may. Hours come
/// first; `agents_online` is asked (`Some`) only for a site with
/// `offline_when_no_agents`.
pub fn unavailable(hours: Option<&Hours>, utc_ms: u64, agents_online: Option<bool>) -> Option<Unavailable> {
    if hours.is_some_and(|h| !h.is_open(utc_ms)) {
        Some(Unavailable::Closed)
    } else if agents_online == Some(false) {
        Some(Unavailable::NoAgents)
    } else {
        None
    }
}

/// `GET`/`PUT /api/v1/sites/{site}/hours`: the hours in force and what they mean now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursAnswer {
    pub hours: Hours,
    /// `config` (the site's `SITES` entry, or around the clock) or `api` (set by an ADMIN).
    pub source: HoursSource,
    pub open_now: bool,
    /// When `open_now` next flips (ms since the epoch); absent if never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_change: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoursSource {
    Config,
    Api,
}

impl HoursAnswer {
    pub fn at(hours: Hours, source: HoursSource, now_ms: u64) -> HoursAnswer {
        HoursAnswer { open_now: hours.is_open(now_ms), next_change: hours.next_change(now_ms), hours, source }
    }
}

/// When the team is back, in the visitor's own time: "later today at
/// 08:00", "tomorrow at 08:00", "on Monday at 08:00".
pub fn back_label(open_ms: u64, now_ms: u64, utc_offset_min: i32) -> String {
    let (day, today) = (crate::clock::local_day(open_ms, utc_offset_min), crate::clock::local_day(now_ms, utc_offset_min));
    let time = crate::clock::time_label(open_ms, utc_offset_min);
    match day - today {
        0 => format!("later today at {time}"),
        1 => format!("tomorrow at {time}"),
        _ => format!("on {} at {time}", Day::of_days(day).name()),
    }
}

/// A standard offset (minutes east of UTC) and a daylight-saving rule.
#[derive(Clone, Copy, Debug)]
struct Zone(i32, Dst);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Dst {
    None,
    /// Second Sunday of March 02:00 local to first Sunday of November 02:00 local.
    Us,
    /// Last Sunday of March to last Sunday of October, both at 01:00 UTC.
    Eu,
    /// First Sunday of October 02:00 standard to first Sunday of April 03:00 daylight.
    AuSouth,
    /// Last Sunday of September 02:00 standard to first Sunday of April 03:00 daylight.
    Nz,
}

/// The zones schedules may name.
pub const ZONES: &[(&str, i32, &str)] = &[
    ("UTC", 0, ""),
    ("Etc/UTC", 0, ""),
    ("Europe/London", 0, "eu"),
    ("Europe/Dublin", 0, "eu"),
    ("Europe/Lisbon", 0, "eu"),
    ("Europe/Paris", 60, "eu"),
    ("Europe/Berlin", 60, "eu"),
    ("Europe/Madrid", 60, "eu"),
    ("Europe/Rome", 60, "eu"),
    ("Europe/Amsterdam", 60, "eu"),
    ("Europe/Brussels", 60, "eu"),
    ("Europe/Vienna", 60, "eu"),
    ("Europe/Zurich", 60, "eu"),
    ("Europe/Stockholm", 60, "eu"),
    ("Europe/Oslo", 60, "eu"),
    ("Europe/Copenhagen", 60, "eu"),
    ("Europe/Warsaw", 60, "eu"),
    ("Europe/Prague", 60, "eu"),
    ("Europe/Budapest", 60, "eu"),
    ("Europe/Athens", 120, "eu"),
    ("Europe/Helsinki", 120, "eu"),
    ("Europe/Kyiv", 120, "eu"),
    ("Europe/Bucharest", 120, "eu"),
    ("Europe/Istanbul", 180, ""),
    ("Europe/Moscow", 180, ""),
    ("America/New_York", -300, "us"),
    ("America/Toronto", -300, "us"),
    ("America/Chicago", -360, "us"),
    ("America/Denver", -420, "us"),
    ("America/Phoenix", -420, ""),
    ("America/Los_Angeles", -480, "us"),
    ("America/Vancouver", -480, "us"),
    ("America/Anchorage", -540, "us"),
    ("America/Halifax", -240, "us"),
    ("America/Mexico_City", -360, ""),
    ("America/Bogota", -300, ""),
    ("America/Lima", -300, ""),
    ("America/Sao_Paulo", -180, ""),
    ("America/Argentina/Buenos_Aires", -180, ""),
    ("Pacific/Honolulu", -600, ""),
    ("Africa/Lagos", 60, ""),
    ("Africa/Johannesburg", 120, ""),
    ("Africa/Nairobi", 180, ""),
    ("Asia/Dubai", 240, ""),
    ("Asia/Karachi", 300, ""),
    ("Asia/Kolkata", 330, ""),
    ("Asia/Dhaka", 360, ""),
    ("Asia/Bangkok", 420, ""),
    ("Asia/Jakarta", 420, ""),
    ("Asia/Singapore", 480, ""),
    ("Asia/Shanghai", 480, ""),
    ("Asia/Hong_Kong", 480, ""),
    ("Asia/Taipei", 480, ""),
    ("Asia/Manila", 480, ""),
    ("Asia/Seoul", 540, ""),
    ("Asia/Tokyo", 540, ""),
    ("Australia/Perth", 480, ""),
    ("Australia/Brisbane", 600, ""),
    ("Australia/Adelaide", 570, "au"),
    ("Australia/Sydney", 600, "au"),
    ("Australia/Melbourne", 600, "au"),
    ("Pacific/Auckland", 720, "nz"),
];

fn zone(name: &str) -> Option<Zone> {
    let &(_, offset, rule) = ZONES.iter().find(|z| z.0 == name)?;
    let dst = match rule {
        "us" => Dst::Us,
        "eu" => Dst::Eu,
        "au" => Dst::AuSouth,
        "nz" => Dst::Nz,
        _ => Dst::None,
    };
    Some(Zone(offset, dst))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn year_of_days(days: i64) -> i64 {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(m <= 2)
}

/// The day (since the epoch) of the `n`th Sunday of a month (1-based).
fn nth_sunday(y: i64, m: i64, n: i64) -> i64 {
    let first = days_from_civil(y, m, 1);
    let to_sunday = (6 - (first + 3).rem_euclid(7)).rem_euclid(7);
    first + to_sunday + 7 * (n - 1)
}

fn last_sunday(y: i64, m: i64) -> i64 {
    let next_month = if m == 12 { days_from_civil(y + 1, 1, 1) } else { days_from_civil(y, m + 1, 1) };
    let last = next_month - 1;
    last - (last + 3 - 6).rem_euclid(7)
}

impl Zone {
    /// Minutes east of UTC at `utc_ms`, daylight saving included.
    fn offset_min(self, utc_ms: i64) -> i32 {
        let Zone(std, rule) = self;
        let utc_min = utc_ms.div_euclid(MINUTE_MS);
        let std_min = i64::from(std);
        // Transition instants in UTC minutes: day * 1440 + local time - offset in force before it.
        let at = |day: i64, local_min: i64, offset: i64| day * DAY_MIN + local_min - offset;
        let year = year_of_days((utc_min + std_min).div_euclid(DAY_MIN));
        let dst = match rule {
            Dst::None => false,
            Dst::Us => {
                let start = at(nth_sunday(year, 3, 2), 120, std_min);
                let end = at(nth_sunday(year, 11, 1), 120, std_min + 60);
                (start..end).contains(&utc_min)
            }
            Dst::Eu => (at(last_sunday(year, 3), 60, 0)..at(last_sunday(year, 10), 60, 0)).contains(&utc_min),
            Dst::AuSouth | Dst::Nz => {
                // Southern summer: daylight time from spring to the next autumn.
                let end = at(nth_sunday(year, 4, 1), 180, std_min + 60);
                let start =
                    if rule == Dst::Nz { at(last_sunday(year, 9), 120, std_min) } else { at(nth_sunday(year, 10, 1), 120, std_min) };
                utc_min < end || utc_min >= start
            }
        };
        std + if dst { 60 } else { 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ms since the epoch of a UTC date and time.
    fn utc(y: i64, m: i64, d: i64, h: i64, min: i64) -> u64 {
        ((days_from_civil(y, m, d) * DAY_MIN + h * 60 + min) * MINUTE_MS) as u64
    }

    fn weekdays(zone: &str, from: &str, to: &str) -> Hours {
        let day = vec![Interval { from: from.into(), to: to.into() }];
        Hours {
            time_zone: zone.into(),
            weekly: Some([Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri].into_iter().map(|d| (d, day.clone())).collect()),
            replies_in_minutes: Some(5),
        }
    }

    #[test]
    fn out_of_hours_or_nobody_online_means_no_queue() {
        let h = weekdays("UTC", "09:00", "17:00");
        let (tuesday_noon, tuesday_night) = (utc(2026, 12, 1, 12, 0), utc(2026, 12, 1, 20, 0));
        assert_eq!(unavailable(Some(&h), tuesday_noon, None), None);
        assert_eq!(unavailable(Some(&h), tuesday_noon, Some(true)), None);
        assert_eq!(unavailable(Some(&h), tuesday_noon, Some(false)), Some(Unavailable::NoAgents));
        assert_eq!(unavailable(Some(&h), tuesday_night, Some(true)), Some(Unavailable::Closed));
        assert_eq!(unavailable(Some(&h), tuesday_night, None), Some(Unavailable::Closed));
        assert_eq!(unavailable(None, tuesday_night, None), None, "no hours: open around the clock");
        assert_eq!(serde_json::to_value(Unavailable::NoAgents).unwrap(), serde_json::json!("no_agents"));
    }

    #[test]
    fn calendar_math_matches_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 12, 1), 20_788);
        assert_eq!(year_of_days(20_788), 2026);
        assert_eq!(year_of_days(days_from_civil(2024, 12, 31)), 2024);
        assert_eq!(Day::of_days(0), Day::Thu);
        assert_eq!(Day::of_days(days_from_civil(2026, 12, 1)), Day::Tue);
        // 2026: US DST 8 March – 1 November; EU 29 March – 25 October.
        assert_eq!(nth_sunday(2026, 3, 2), days_from_civil(2026, 3, 8));
        assert_eq!(nth_sunday(2026, 11, 1), days_from_civil(2026, 11, 1));
        assert_eq!(last_sunday(2026, 3), days_from_civil(2026, 3, 29));
        assert_eq!(last_sunday(2026, 10), days_from_civil(2026, 10, 25));
        assert_eq!(last_sunday(2026, 9), days_from_civil(2026, 9, 27));
    }

    #[test]
    fn offsets_follow_each_zones_daylight_saving() {
        let off = |z: &str, t: u64| zone(z).unwrap().offset_min(t as i64);
        // Los Angeles: PST in winter, PDT in summer; the switch at 02:00 local (10:00 UTC).
        assert_eq!(off("America/Los_Angeles", utc(2026, 1, 15, 12, 0)), -480);
        assert_eq!(off("America/Los_Angeles", utc(2026, 7, 15, 12, 0)), -420);
        assert_eq!(off("America/Los_Angeles", utc(2026, 3, 8, 9, 59)), -480);
        assert_eq!(off("America/Los_Angeles", utc(2026, 3, 8, 10, 0)), -420);
        // Back at 02:00 PDT = 09:00 UTC.
        assert_eq!(off("America/Los_Angeles", utc(2026, 11, 1, 8, 59)), -420);
        assert_eq!(off("America/Los_Angeles", utc(2026, 11, 1, 9, 0)), -480);
        // Europe: 01:00 UTC both ways.
        assert_eq!(off("Europe/Berlin", utc(2026, 3, 29, 0, 59)), 60);
        assert_eq!(off("Europe/Berlin", utc(2026, 3, 29, 1, 0)), 120);
        assert_eq!(off("Europe/London", utc(2026, 10, 25, 0, 59)), 60);
        assert_eq!(off("Europe/London", utc(2026, 10, 25, 1, 0)), 0);
        // Southern hemisphere: summer in January.
        assert_eq!(off("Australia/Sydney", utc(2026, 1, 15, 0, 0)), 660);
        assert_eq!(off("Australia/Sydney", utc(2026, 7, 15, 0, 0)), 600);
        assert_eq!(off("Pacific/Auckland", utc(2026, 12, 25, 0, 0)), 780);
        assert_eq!(off("Pacific/Auckland", utc(2026, 6, 1, 0, 0)), 720);
        assert_eq!(off("Asia/Kolkata", utc(2026, 6, 1, 0, 0)), 330);
        assert_eq!(off("America/Phoenix", utc(2026, 7, 1, 0, 0)), -420);
    }

    #[test]
    fn open_and_closed_at_an_instant_in_the_sites_zone() {
        let h = weekdays("America/Los_Angeles", "08:00", "18:00");
        // Tuesday 1 December 2026: 08:00 PST is 16:00 UTC.
        assert!(!h.is_open(utc(2026, 12, 1, 15, 59)));
        assert!(h.is_open(utc(2026, 12, 1, 16, 0)));
        assert!(h.is_open(utc(2026, 12, 2, 1, 59)), "17:59 Tuesday local");
        assert!(!h.is_open(utc(2026, 12, 2, 2, 0)), "18:00 closes");
        // Saturday is not in the schedule.
        assert!(!h.is_open(utc(2026, 12, 5, 20, 0)));
        // In summer the same local hours are an hour earlier in UTC.
        assert!(h.is_open(utc(2026, 7, 1, 15, 0)));
        assert!(!h.is_open(utc(2026, 7, 1, 14, 59)));
        // No schedule: around the clock.
        assert!(Hours::default().is_open(utc(2026, 12, 5, 3, 0)));
        assert_eq!(Hours::default().next_change(utc(2026, 12, 5, 3, 0)), None);
    }

    #[test]
    fn next_opening_and_closing() {
        let h = weekdays("America/Los_Angeles", "08:00", "18:00");
        // Friday 4 December 2026 at 19:00 local: next open Monday 08:00 PST.
        let friday_evening = utc(2026, 12, 5, 3, 0);
        assert_eq!(h.next_open(friday_evening), Some(utc(2026, 12, 7, 16, 0)));
        // Open now: it is now, and it closes at 18:00 local.
        let tuesday_noon = utc(2026, 12, 1, 20, 0);
        assert_eq!(h.next_open(tuesday_noon), Some(tuesday_noon));
        assert_eq!(h.next_change(tuesday_noon), Some(utc(2026, 12, 2, 2, 0)));
        // Across the spring shift: Friday 6 March 17:00 PST; Monday 9 March opens at 08:00 PDT = 15:00 UTC.
        assert_eq!(h.next_open(utc(2026, 3, 7, 3, 0)), Some(utc(2026, 3, 9, 15, 0)));
        // Split days and odd minutes.
        let mut lunch = weekdays("Europe/Paris", "09:00", "12:30");
        lunch.weekly.as_mut().unwrap().get_mut(&Day::Tue).unwrap().push(Interval { from: "13:45".into(), to: "17:00".into() });
        let tuesday_lunch = utc(2026, 12, 1, 11, 40); // 12:40 in Paris
        assert!(!lunch.is_open(tuesday_lunch));
        assert_eq!(lunch.next_open(tuesday_lunch), Some(utc(2026, 12, 1, 12, 45)));
        // Never open.
        let never = Hours { weekly: Some(BTreeMap::new()), ..Hours::default() };
        assert!(!never.is_open(tuesday_noon));
        assert_eq!(never.next_open(tuesday_noon), None);
    }

    #[test]
    fn the_visitor_is_told_when_the_team_is_back_in_their_own_time() {
        let now = utc(2026, 12, 4, 22, 0); // Friday 22:00 UTC
        assert_eq!(back_label(utc(2026, 12, 4, 23, 30), now, 0), "later today at 23:30");
        assert_eq!(back_label(utc(2026, 12, 5, 8, 0), now, 0), "tomorrow at 08:00");
        assert_eq!(back_label(utc(2026, 12, 7, 16, 0), now, 0), "on Monday at 16:00");
        // A visitor in Los Angeles (UTC-8) reads Monday 16:00 UTC as Monday 08:00.
        assert_eq!(back_label(utc(2026, 12, 7, 16, 0), now, -480), "on Monday at 08:00");
        let answer = HoursAnswer::at(weekdays("UTC", "09:00", "17:00"), HoursSource::Api, now);
        assert!(!answer.open_now);
        assert_eq!(answer.next_change, Some(utc(2026, 12, 7, 9, 0)));
    }

    #[test]
    fn schedules_are_checked() {
        assert!(weekdays("Europe/Paris", "09:00", "17:30").validate().is_ok());
        assert!(weekdays("Europe/Paris", "00:00", "24:00").validate().is_ok());
        assert!(Hours::default().validate().is_ok());
        let err = |h: Hours| h.validate().unwrap_err().0;
        assert!(err(weekdays("Mars/Olympus_Mons", "09:00", "17:00")).contains("Unknown time zone"));
        assert!(err(weekdays("UTC", "9:00", "17:00")).contains("HH:MM"));
        assert!(err(weekdays("UTC", "18:00", "09:00")).contains("not before"));
        assert!(err(weekdays("UTC", "09:00", "24:30")).contains("HH:MM"));
        let mut overlap = weekdays("UTC", "09:00", "12:00");
        overlap.weekly.as_mut().unwrap().get_mut(&Day::Mon).unwrap().push(Interval { from: "11:00".into(), to: "13:00".into() });
        assert!(err(overlap).contains("overlap"));
        assert!(err(Hours { replies_in_minutes: Some(0), ..Hours::default() }).contains("replies_in_minutes"));
        let parsed: Hours = serde_json::from_str(
            r#"{"time_zone": "Europe/Berlin", "weekly": {"mon": [{"from": "09:00", "to": "17:00"}]}, "replies_in_minutes": 10}"#,
        )
        .unwrap();
        assert_eq!(parsed.weekly.unwrap()[&Day::Mon][0].to, "17:00");
        assert!(serde_json::from_str::<Hours>(r#"{"weekly": {"funday": []}}"#).is_err());
    }
}
