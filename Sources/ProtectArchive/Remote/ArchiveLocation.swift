import Crypto
import Foundation

/// Where `--dest` points: a local folder, or a path on an rclone remote (`name:path`, or `rclone:<anything rclone
/// reads>` for connection strings).
public enum ArchiveLocation: Sendable, Equatable {
    case local(URL)
    case remote(String)

    /// Reads `--dest`: `name:path` with a name of letters, digits and `_.+@-` is a remote (a one-letter name
    /// followed by `:\` is a Windows drive, not a remote); `rclone:X` forces X to rclone; anything else is a path.
    public init(_ text: String) {
        if text.hasPrefix("rclone:") {
            self = .remote(String(text.dropFirst(7)))
            return
        }
        if let colon = text.firstIndex(of: ":") {
            let name = text[..<colon]
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_.+@-"))
            let rest = text[text.index(after: colon)...]
            let drive = name.count == 1 && rest.hasPrefix("\\")
            if !name.isEmpty && !drive && name.unicodeScalars.allSatisfy({ allowed.contains($0) && $0.isASCII }) {
                self = .remote(text)
                return
            }
        }
        self = .local(URL(fileURLWithPath: text))
    }

    /// The remote's name (before the first colon; empty for a connection string that starts with one).
    public static func remoteName(_ spec: String) -> String {
        spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
    }

    /// The local folder holding a remote archive's state: `--state-dir` when given, else
    /// `<base>/<name>-<first 12 hex of SHA-256 of the spec>` with base `$XDG_STATE_HOME/protect-dl/remotes` or
    /// `~/.local/state/protect-dl/remotes`.
    public static func stateFolder(for spec: String, given: String?, environment: [String: String]) -> URL {
        if let given { return URL(fileURLWithPath: given) }
        let root: URL
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty {
            root = URL(fileURLWithPath: state).appendingPathComponent("protect-dl/remotes")
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            root = URL(fileURLWithPath: home).appendingPathComponent(".local/state/protect-dl/remotes")
        }
        let digest = SHA256.hash(data: Data(spec.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        let name = remoteName(spec).filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return root.appendingPathComponent((name.isEmpty ? "remote" : name) + "-" + digest)
    }
}
