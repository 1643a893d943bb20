import Foundation

/// `${NAME}` in a path, taken from the environment: how a configuration file names a file systemd hands a service
/// (`${CREDENTIALS_DIRECTORY}/home.password` with `LoadCredential=`), as unit files themselves do.
public enum PathVariables {
    /// A `${NAME}` the environment does not set.
    public struct Unset: Error, Equatable {
        public var name: String

        public init(name: String) { self.name = name }
    }

    /// `path` with each `${NAME}` replaced by the environment's value; a `$` not followed by `{NAME}` stays.
    public static func expand(_ path: String, environment: [String: String]) throws(Unset) -> String {
        var result = ""
        var rest = Substring(path)
        while let dollar = rest.range(of: "${") {
            result += rest[..<dollar.lowerBound]
            let after = rest[dollar.upperBound...]
            let name = after.firstIndex(of: "}").map { String(after[..<$0]) } ?? ""
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                result += "${"
                rest = after
                continue
            }
            guard let value = environment[name] else { throw Unset(name: name) }
            result += value
            rest = after.dropFirst(name.count + 1)
        }
        return result + rest
    }
}
