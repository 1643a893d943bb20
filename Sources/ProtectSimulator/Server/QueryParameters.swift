import Foundation

/// A request's query, keeping repeated parameters in order (the console's `types=a&types=b`).
struct QueryParameters: Sendable {
    let pairs: [(name: String, value: String)]

    init(_ query: String?) {
        pairs = (query ?? "").split(separator: "&").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }
    func first(_ name: String) -> String? { pairs.first { $0.name == name }?.value }
    func has(_ name: String) -> Bool { pairs.contains { $0.name == name } }
    func int64(_ name: String) -> Int64? { first(name).flatMap { Int64($0) } }
}
