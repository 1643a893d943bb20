import Foundation

/// Error texts fit for a user: the one rendering of an error as a sentence, and the removal of source-file paths and
/// line numbers of the machine that built NIO's and Foundation's errors from their descriptions.
public enum ErrorText {
    /// The sentence `error` is shown as: its `LocalizedError` description, else its own description.
    public static func sentence(_ error: any Error) -> String {
        (error as? any LocalizedError)?.errorDescription ?? "\(error)"
    }

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
