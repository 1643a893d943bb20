import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// Where alerts go and what raises them: the same options for sync, watch, verify and `notify test`.
struct NotifyOptionGroup: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Send alerts to this apprise URL (mailtos://, tgram://, ntfys://, discord://, ...) through the apprise command (pip install apprise); repeatable.",
            valueName: "url"))
    var notify: [String] = []
    @Option(
        help: ArgumentHelp(
            "POST each alert as JSON (schema protect-dl.alert/1) to this URL; repeatable.", valueName: "url"))
    var webhook: [String] = []
    @Option(help: "Sign webhook bodies: X-Protect-DL-Signature: sha256=HMAC-SHA256(body, this secret).")
    var webhookSecret: String?
    @Option(
        help: ArgumentHelp(
            "Publish alerts to this ntfy topic URL (https://ntfy.sh/TOPIC); repeatable.", valueName: "url"))
    var ntfy: [String] = []
    @Option(help: "An ntfy access token (sent as a bearer token).")
    var ntfyToken: String?
    @Option(help: "Run this shell command for each alert: PROTECT_DL_ALERT_* variables, the JSON on stdin.")
    var onAlert: String?
    @Option(help: .hidden)
    var appriseCommand = "apprise"
    @Option(help: "Alert when the console, its login, its websocket or the passes have failed this long (0: at once).")
    var alertAfter = "10m"
    @Option(help: "Remind of an alert still open this often (0: never).")
    var alertRemind = "1d"
    @Option(
        help:
            "Alert when a camera's newest footage in the archive is older than this (off: never; default: sync, two periods and 2h; watch --hours, 2h and two hour checks; watch, off)."
    )
    var staleAfter: String?
    @Option(
        help:
            "Alert when a local destination has less free space than this (a share such as 5%, or a size such as 20G).")
    var alertFreeSpace = "5%"
    @Option(
        help:
            "Alert (footage-at-risk) when hours not yet archived start less than this after the console's oldest recording."
    )
    var alertRiskMargin = "1d"
    @Option(help: ArgumentHelp("One camera's stale threshold (id or name); repeatable.", valueName: "camera=duration"))
    var staleAfterCamera: [String] = []
    @Option(
        help: ArgumentHelp(
            "Send a summary (cameras, hours saved and missing, space, open alerts) through the same channels after each midnight or each Monday's in the console's time zone: daily, weekly or off.",
            valueName: "period"))
    var summary = "off"

    static func seconds(_ text: String) -> Double? {
        if let value = Double(text.trimmingCharacters(in: .whitespaces)), value == 0 { return 0 }
        return DurationText.seconds(text)
    }

    var cameraThresholds: [String: Double]? {
        var result: [String: Double] = [:]
        for item in staleAfterCamera {
            guard let equals = item.lastIndex(of: "="),
                let seconds = Self.seconds(String(item[item.index(after: equals)...]))
            else { return nil }
            result[String(item[..<equals]).trimmingCharacters(in: .whitespaces)] = seconds
        }
        return result
    }

    func validate() throws {
        for (name, text) in [
            ("--alert-after", alertAfter), ("--alert-remind", alertRemind), ("--alert-risk-margin", alertRiskMargin),
        ]
        where Self.seconds(text) == nil {
            throw ValidationError("\(name) must be a duration such as 10m, 1h or 1d, or 0.")
        }
        if let staleAfter, staleAfter != "off", Self.seconds(staleAfter) == nil {
            throw ValidationError("--stale-after must be a duration such as 4h or 2d, or off.")
        }
        guard FreeSpace.Minimum(alertFreeSpace) != nil else {
            throw ValidationError("--alert-free-space must be a share such as 5% or a size such as 20G.")
        }
        guard summary == "off" || SummarySchedule(rawValue: summary) != nil else {
            throw ValidationError("--summary must be daily, weekly or off.")
        }
        guard cameraThresholds != nil else {
            throw ValidationError("--stale-after-camera must be CAMERA=DURATION, such as Garage=12h.")
        }
        for url in webhook + ntfy {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                parsed.host != nil
            else {
                throw ValidationError(
                    "--webhook and --ntfy take http:// or https:// URLs (\(SecretText.url(url)) is not one).")
            }
        }
        for url in notify where !url.contains("://") {
            throw ValidationError("--notify takes apprise URLs such as mailtos://user:pass@example.com.")
        }
    }

    /// Every channel configured.
    var channels: [any AlertChannel] {
        var channels: [any AlertChannel] = []
        channels += webhook.map { WebhookChannel(url: $0, secret: webhookSecret) }
        channels += ntfy.map { NtfyChannel(url: $0, token: ntfyToken) }
        if let onAlert, !onAlert.isEmpty { channels.append(CommandChannel(command: onAlert)) }
        channels += notify.map { AppriseChannel(url: $0, executable: appriseCommand) }
        return channels
    }

    /// The settings of a run; `defaultStale` is the mode's stale threshold (nil: off unless asked).
    func settings(defaultStale: Double?, localFolder: URL? = nil) -> AlertSettings {
        var settings = AlertSettings()
        settings.freeSpaceFolder = localFolder
        settings.minimumFree = FreeSpace.Minimum(alertFreeSpace)
        settings.channels = channels
        let after = Self.seconds(alertAfter) ?? 600
        for kind in [AlertKind.consoleUnreachable, .loginRefused, .websocketDown, .passFailing, .remoteFailing] {
            settings.policy.grace[kind] = after
        }
        let remind = Self.seconds(alertRemind) ?? 86_400
        settings.policy.remindEvery = remind > 0 ? remind : nil
        switch staleAfter {
        case "off": settings.staleAfter = nil
        case let text?: settings.staleAfter = Self.seconds(text).flatMap { $0 > 0 ? $0 : nil }
        case nil: settings.staleAfter = defaultStale
        }
        settings.staleAfterCamera = cameraThresholds ?? [:]
        settings.riskMargin = Self.seconds(alertRiskMargin) ?? 86_400
        settings.summary = SummarySchedule(rawValue: summary)
        return settings
    }
}
