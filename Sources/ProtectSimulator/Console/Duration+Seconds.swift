extension Duration {
    /// The duration in seconds, as a `Double` (the simulator's own; it shares no code with the client).
    var simulatorSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
