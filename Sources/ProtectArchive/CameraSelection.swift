import ProtectAPI

/// Turns what the user wrote after `--cameras` (ids, names, `all`) into cameras.
public enum CameraSelection {
    /// Splits the option's text at commas; nil means all cameras (a name with a comma is chosen by its id).
    public static func tokens(_ text: String) -> [String]? {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if parts.isEmpty || parts.contains(where: { $0.lowercased() == "all" }) { return nil }
        return parts
    }

    /// The cameras named by `tokens` in their order, each once; nil selects every camera.
    ///
    /// A token is an id, or a name compared without regard to case; an unknown or ambiguous token is an error
    /// that lists the candidates.
    public static func resolve(_ tokens: [String]?, among cameras: [Camera]) throws -> [Camera] {
        guard let tokens else { return cameras }
        var chosen: [Camera] = []
        var unknown: [String] = []
        for token in tokens {
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
        return chosen
    }

    static func matchesName(_ camera: Camera, _ token: String) -> Bool {
        let name = camera.name.lowercased()
        let wanted = token.lowercased()
        return name == wanted
            || name.trimmingCharacters(in: .whitespaces) == wanted.trimmingCharacters(in: .whitespaces)
    }
}
