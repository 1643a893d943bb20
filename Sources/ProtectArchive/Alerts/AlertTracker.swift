/// An open condition (or a notice already sent) as the archive's state keeps it.
public struct AlertRecord: Sendable, Equatable, Codable {
    public var key: AlertKey
    /// When the condition was first seen (milliseconds since 1970).
    public var since: Int64
    /// When its alert was sent; nil while it has not lasted long enough yet.
    public var raisedAt: Int64?
    /// When the last message about it (alert or reminder) was sent.
    public var lastSent: Int64?
    /// Reminders sent so far.
    public var reminders: Int
    /// One sentence: what is wrong now.
    public var detail: String
    /// The camera's name, when it is about a camera.
    public var label: String?

    public init(
        key: AlertKey, since: Int64, raisedAt: Int64? = nil, lastSent: Int64? = nil, reminders: Int = 0,
        detail: String, label: String? = nil
    ) {
        self.key = key
        self.since = since
        self.raisedAt = raisedAt
        self.lastSent = lastSent
        self.reminders = reminders
        self.detail = detail
        self.label = label
    }
}

/// A message the tracker decided to send.
public struct AlertMessage: Sendable, Equatable {
    /// Where the condition is in its life.
    public enum Phase: String, Sendable, Codable {
        case raised, reminder, recovered, notice, test, summary
    }

    public var phase: Phase
    public var record: AlertRecord
    /// When it was decided (milliseconds since 1970).
    public var at: Int64
    /// What a `summary` says.
    public var summary: AlertSummary?

    public init(phase: Phase, record: AlertRecord, at: Int64, summary: AlertSummary? = nil) {
        self.phase = phase
        self.record = record
        self.at = at
        self.summary = summary
    }
}

/// How long a condition must last before it is raised, and how often an open one is recalled.
public struct AlertPolicy: Sendable, Equatable {
    /// Seconds a condition of the kind must last before its alert (absent: at once).
    public var grace: [AlertKind: Double]
    /// Seconds between reminders of an open alert; nil: never.
    public var remindEvery: Double?
    /// Kinds only seen at a pass: raised by an observation made after their grace (a second failed pass), never
    /// by the clock alone, so that a reboot during one pass of an hourly sync is not an outage.
    public var confirmed: Set<AlertKind>

    public init(grace: [AlertKind: Double] = [:], remindEvery: Double? = nil, confirmed: Set<AlertKind> = []) {
        self.grace = grace
        self.remindEvery = remindEvery
        self.confirmed = confirmed
    }

    /// The defaults: the console or its websocket down for 10 minutes, passes failing for 10 minutes, a reminder
    /// a day.
    public static let standard = AlertPolicy(
        grace: [
            .consoleUnreachable: 600, .loginRefused: 600, .websocketDown: 600, .passFailing: 600, .remoteFailing: 600,
        ],
        remindEvery: 86_400)
}

/// Turns what is observed into alerts: one when a condition has lasted its grace, one recovery when it clears
/// (only if it was raised), reminders at most every `remindEvery`, a notice once. Pure logic: time is given.
public struct AlertTracker: Sendable {
    public var policy: AlertPolicy
    /// Open conditions and remembered notices, by key.
    public private(set) var records: [AlertKey: AlertRecord]

    /// Notices are remembered this long (a second identical one within it is not sent again).
    static let noticeMemory: Int64 = 7 * 86_400_000

    public init(policy: AlertPolicy, records: [AlertRecord] = []) {
        self.policy = policy
        self.records = Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Conditions whose alert has been sent and that have not recovered.
    public var open: [AlertRecord] {
        records.values.filter { !$0.key.kind.isNotice && $0.raisedAt != nil }.sorted { $0.key < $1.key }
    }

    /// A condition seen true or false now (a notice: seen happening), with a sentence saying what is wrong.
    public mutating func observe(
        _ key: AlertKey, active: Bool, detail: String, label: String? = nil, now: Int64
    ) -> [AlertMessage] {
        if key.kind.isNotice {
            guard active, records[key]?.detail != detail else { return [] }
            let record = AlertRecord(
                key: key, since: now, raisedAt: now, lastSent: now, detail: detail, label: label)
            records[key] = record
            return [AlertMessage(phase: .notice, record: record, at: now)]
        }
        guard active else {
            guard let record = records.removeValue(forKey: key), record.raisedAt != nil else { return [] }
            var recovered = record
            recovered.detail = detail.isEmpty ? record.detail : detail
            return [AlertMessage(phase: .recovered, record: recovered, at: now)]
        }
        var record = records[key] ?? AlertRecord(key: key, since: now, detail: detail, label: label)
        record.detail = detail
        record.label = label ?? record.label
        records[key] = record
        return due(key, now: now)
    }

    /// Clears every condition `matching` that was not observed true in `seen`: a check that looks at all cameras
    /// at once ends the conditions of those it no longer finds wrong.
    public mutating func clear(
        where matching: (AlertKey) -> Bool, except seen: Set<AlertKey>, detail: String = "", now: Int64
    ) -> [AlertMessage] {
        let keys = records.keys.filter { matching($0) && !seen.contains($0) && !$0.kind.isNotice }.sorted()
        return keys.flatMap { observe($0, active: false, detail: detail, now: now) }
    }

    /// Raises the conditions that have now lasted their grace, sends the reminders that are due, and forgets old
    /// notices.
    public mutating func tick(now: Int64) -> [AlertMessage] {
        for (key, record) in records where key.kind.isNotice && now - record.since > Self.noticeMemory {
            records[key] = nil
        }
        return records.keys.sorted().flatMap { due($0, now: now, observed: false) }
    }

    private mutating func due(_ key: AlertKey, now: Int64, observed: Bool = true) -> [AlertMessage] {
        guard var record = records[key], !key.kind.isNotice else { return [] }
        if record.raisedAt == nil {
            guard observed || !policy.confirmed.contains(key.kind) else { return [] }
            let grace = Int64((policy.grace[key.kind] ?? 0) * 1000)
            guard now - record.since >= grace else { return [] }
            record.raisedAt = now
            record.lastSent = now
            records[key] = record
            return [AlertMessage(phase: .raised, record: record, at: now)]
        }
        guard let every = policy.remindEvery, every > 0, let last = record.lastSent,
            now - last >= Int64(every * 1000)
        else { return [] }
        record.lastSent = now
        record.reminders += 1
        records[key] = record
        return [AlertMessage(phase: .reminder, record: record, at: now)]
    }
}
