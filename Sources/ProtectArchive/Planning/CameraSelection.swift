import ProtectAPI

/// Turns what the user wrote after `--cameras` (ids, names, `all`) into cameras.
public enum CameraSelection {
    /// Splits the option's text at commas; nil means all cameras (a name with a comma is chosen by its id).
    public static func tokens(_ text: String) -> [String]? {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if parts.isEmpty || parts.allSatisfy(isAll) { return nil }
        return parts
    }

    /// Why `--cameras` text selects nothing, or nil when it is usable.
    public static func problem(_ text: String) -> String? {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.allSatisfy(\.isEmpty) {
            return "--cameras is empty; give camera ids or names, comma-separated, or all."
        }
        return nil
    }

    /// Whether the user named cameras (rather than all of them).
    public static func isExplicit(_ tokens: [String]?) -> Bool {
        guard let tokens else { return false }
        return !tokens.contains(where: isAll)
    }

    static func isAll(_ token: String) -> Bool { token.lowercased() == "all" }

    /// The cameras named by `tokens` in their order, each once; nil selects every camera.
    ///
    /// A token is an id, or a name compared without regard to case; an unknown or ambiguous token is an error
    /// that lists the candidates.
    public static func resolve(_ tokens: [String]?, among cameras: [Camera]) throws -> [Camera] {
        guard let tokens else { return cameras }
        var chosen: [Camera] = []
        var unknown: [String] = []
        // `all` beside other names still checks those names: a typo is not silently ignored.
        for token in tokens where !isAll(token) {
            var matches = cameras.filter { $0.id == token || $0.id.lowercased() == token.lowercased() }
            if matches.isEmpty { matches = cameras.filter { $0.name == token } }
            if matches.isEmpty { matches = cameras.filter { matchesName($0, token) } }
            switch matches.count {
            case 0: unknown.append(token)
            case 1: if !chosen.contains(matches[0]) { chosen.append(matches[0]) }
            default: throw ArchiveError.ambiguousCamera(token, candidates: matches)
            }
        }
        guard unknown.isEmpty else { throw ArchiveError.unknownCameras(unknown, available: cameras) }
        return tokens.contains(where: isAll) ? cameras : chosen
    }

    static func matchesName(_ camera: Camera, _ token: String) -> Bool {
        let name = camera.name.lowercased()
        let wanted = token.lowercased()
        return name == wanted
            || name.trimmingCharacters(in: .whitespaces) == wanted.trimmingCharacters(in: .whitespaces)
    }
}
