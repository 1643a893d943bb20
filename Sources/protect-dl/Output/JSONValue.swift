import Foundation

/// A JSON value for the event lines.
indirect enum JSONValue: Encodable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case strings([String])
    case objects([[String: JSONValue]])
    case null

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode((value * 1000).rounded() / 1000)
        case .bool(let value): try container.encode(value)
        case .strings(let value): try container.encode(value)
        case .objects(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}
