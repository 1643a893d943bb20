#if canImport(Glibc)
    import Glibc
#endif

/// glibc's malloc arenas: `mallopt(M_ARENA_MAX, n)`, looked up at run time (Swift does not import `<malloc.h>`).
enum MallocArenas {
    /// Lets malloc use at most `count` arenas from now on; false where there is no glibc `mallopt`.
    @discardableResult
    static func limit(to count: Int32) -> Bool {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
            let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
            let arenaMaximum: Int32 = -8  // M_ARENA_MAX
            return mallopt(arenaMaximum, count) == 1
        #else
            return false
        #endif
    }
}
