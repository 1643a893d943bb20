/// The result of an export: footage, or the console's word that the range holds none.
public enum ExportOutcome<Value: Sendable>: Sendable {
    case footage(Value)
    case noFootage(reason: String)
}
