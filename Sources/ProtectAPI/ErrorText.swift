import Foundation

/// Error texts fit for a user: the descriptions of NIO's and Foundation's errors carry source-file paths and line
/// numbers of the machine that built them.
public enum ErrorText {
    /// `text` without `(file: /…/X.swift, line: N)` parts and bare `/…/X.swift:N` paths.
    public static func withoutSourcePaths(_ text: String) -> String {
        var text = text
        for pattern in [#"[,;]?\s*\(?(file|File):?\s*\S+\.swift[^)]*\)?"#, #"\S*/\S+\.swift(:\d+)?"#] {
            guard let expression = try? NSRegularExpression(pattern: pattern) else { continue }
            text = expression.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "")
        }
        return text.trimmingCharacters(in: .whitespaces)
    }
}
