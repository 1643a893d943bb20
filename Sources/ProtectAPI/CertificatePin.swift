import Foundation

/// A SHA-256 certificate fingerprint in the forms people paste.
public enum CertificatePin {
    /// Upper-case hex of `AB:CD:…`, `ABCD…`, `SHA256 AB:CD:…` or `sha256 Fingerprint=AB:CD:…`; nil if none of
    /// these.
    public static func normalize(_ text: String) -> String? {
        var rest = text.trimmingCharacters(in: .whitespacesAndNewlines)
        for prefix in ["sha256 fingerprint=", "sha-256 fingerprint=", "sha256", "sha-256"] {
            if rest.lowercased().hasPrefix(prefix) {
                rest = String(rest.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
                break
            }
        }
        if rest.hasPrefix(":") || rest.hasPrefix("=") { rest = String(rest.dropFirst()) }
        let hex = rest.filter { $0 != ":" && $0 != " " }
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { return nil }
        return hex.uppercased()
    }

    /// `AB:CD:…`, the form protect-sim and openssl print.
    public static func display(_ hex: String) -> String {
        var pairs: [String] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            pairs.append(String(hex[index..<next]))
            index = next
        }
        return pairs.joined(separator: ":")
    }
}
