import ProtectAPI

extension Camera {
    /// Whether the console says the camera is connected (`isConnected`, else its `state`; unknown counts as yes).
    public var reportsConnected: Bool {
        if let isConnected { return isConnected }
        guard let state else { return true }
        return state.uppercased() == "CONNECTED"
    }
}
