import Foundation
import ProtectSimulator
import Synchronization
import TestSupport
import Testing

@Suite("Logins and sessions")
struct LoginTests {
    @Test("UniFi OS: GET / gives a CSRF token, login sets a JWT cookie with exp, API needs the cookie")
    func unifiOSLoginFlow() async throws {
        try await Harness.with(Harness.configuration()) { h in
            let root = try await h.request("/")
            #expect(root.status == 200)
            #expect(root.header("X-CSRF-Token") != nil)

            let unauthenticated = try await h.request("/proxy/protect/api/bootstrap")
            #expect(unauthenticated.status == 401)
            #expect((unauthenticated.json() as? [String: Any])?["code"] as? String == "AUTHENTICATION_FAILED")

            let (cookie, _) = try await h.loginUniFiOS()
            #expect(cookie.hasPrefix("TOKEN="))
            let jwt = cookie.dropFirst("TOKEN=".count).split(separator: ".")
            #expect(jwt.count == 3)
            var payload = String(jwt[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(
                of: "_", with: "/")
            while payload.count % 4 != 0 { payload += "=" }
            let claims = try #require(
                try JSONSerialization.jsonObject(with: Data(base64Encoded: payload) ?? Data()) as? [String: Any])
            let exp = try #require(claims["exp"] as? Int)
            #expect(abs(Double(exp) - Date().timeIntervalSince1970 - 3600) < 10)

            let bootstrap = try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)])
            #expect(bootstrap.status == 200)
            let cameras = (bootstrap.json() as? [String: Any])?["cameras"] as? [[String: Any]]
            #expect(cameras?.count == 4)
            // A cookie value still carrying its attributes is accepted.
            let withAttributes = try await h.request(
                "/proxy/protect/api/cameras",
                headers: [("Cookie", cookie + "; path=/; samesite=none; secure; httponly")])
            #expect(withAttributes.status == 200)
            // Legacy paths do not exist on UniFi OS.
            #expect(try await h.request("/api/auth", method: .POST, body: "{}").status == 404)
        }
    }

    @Test("UniFi OS 4+: the cookie is named UOS_TOKEN when so configured")
    func uosTokenCookie() async throws {
        var configuration = Harness.configuration()
        configuration.authentication.cookieName = "UOS_TOKEN"
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            #expect(cookie.hasPrefix("UOS_TOKEN="))
            let renamed = "TOKEN=" + cookie.dropFirst("UOS_TOKEN=".count)
            #expect(try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", renamed)]).status == 401)
            #expect(try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).status == 200)
        }
    }

    @Test("UniFi OS: writes need the CSRF token, which rotates through X-Updated-CSRF-Token")
    func csrfRequiredAndRotating() async throws {
        var configuration = Harness.configuration()
        configuration.authentication.csrfRotationInterval = 3
        try await Harness.with(configuration) { h in
            let (cookie, csrf) = try await h.loginUniFiOS()
            let camera = await h.firstCamera()
            let path = "/proxy/protect/api/cameras/\(camera.id)"
            let noToken = try await h.request(
                path, method: .PATCH, headers: [("Cookie", cookie)], body: #"{"name":"Renamed"}"#)
            #expect(noToken.status == 403)
            var current = csrf
            var rotations = 0
            for _ in 0..<7 {
                let response = try await h.request("/proxy/protect/api/nvr", headers: [("Cookie", cookie)])
                #expect(response.status == 200)
                if let updated = response.header("X-Updated-CSRF-Token") {
                    #expect(updated != current)
                    current = updated
                    rotations += 1
                }
            }
            #expect(rotations == 2)
            let stale = try await h.request(
                path, method: .PATCH, headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)],
                body: #"{"name":"Renamed"}"#)
            #expect(stale.status == 403)
            let fresh = try await h.request(
                path, method: .PATCH, headers: [("Cookie", cookie), ("X-CSRF-Token", current)],
                body: #"{"name":"Renamed"}"#)
            #expect(fresh.status == 200)
            #expect(await h.simulator.cameras()[0].name == "Renamed")
        }
    }

    @Test("UniFi OS: an expired JWT gets 401, or the login page with 200 when so configured")
    func expiredSessions() async throws {
        // Session time is a clock the test moves on: no waiting, and a busy machine cannot expire a session early.
        let milliseconds = Mutex<Int64>(1_790_000_000_000)
        var configuration = Harness.configuration()
        configuration.authentication.sessionLifetime = 5
        configuration.authentication.clock = SimulatedClock { milliseconds.withLock { $0 } }
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            milliseconds.withLock { $0 += 4_900 }
            #expect(try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).status == 200)
            milliseconds.withLock { $0 += 200 }
            #expect(try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)]).status == 401)
        }
        configuration.authentication.expiredSessionAnswer = .loginPage
        try await Harness.with(configuration) { h in
            let (cookie, _) = try await h.loginUniFiOS()
            milliseconds.withLock { $0 += 5_000 }
            let response = try await h.request("/proxy/protect/api/bootstrap", headers: [("Cookie", cookie)])
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(response.text.contains("<html"))
        }
    }

    @Test("Login failures: 401 with the console's code, 499 for an MFA account, 429 with Retry-After past the limit")
    func loginFailures() async throws {
        var configuration = Harness.configuration()
        configuration.authentication.loginsPerMinute = 4
        try await Harness.with(configuration) { h in
            let bad = try await h.request(
                "/api/auth/login", method: .POST, body: #"{"username":"admin","password":"nope"}"#)
            #expect(bad.status == 401)
            #expect((bad.json() as? [String: Any])?["code"] as? String == "AUTHENTICATION_FAILED_INVALID_CREDENTIALS")
            let mfa = try await h.request(
                "/api/auth/login", method: .POST, body: #"{"username":"cloud-user","password":"x"}"#)
            #expect(mfa.status == 499)
            #expect((mfa.json() as? [String: Any])?["code"] as? String == "MFA_AUTH_REQUIRED")
            _ = try await h.loginUniFiOS()
            _ = try await h.loginUniFiOS()
            let limited = try await h.request(
                "/api/auth/login", method: .POST, body: #"{"username":"admin","password":"protect"}"#)
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "20")
            #expect((limited.json() as? [String: Any])?["code"] as? String == "AUTHENTICATION_FAILED_LIMIT_REACHED")
            let stats = try await h.stats()
            #expect(stats.logins == 2)
            #expect(stats.failedLogins == 3)
        }
    }

    @Test("Legacy: bearer token in the Authorization header, access keys for exports, both expire")
    func legacyFlowAndExpiry() async throws {
        var configuration = Harness.configuration(.legacy)
        configuration.authentication.accessKeyMaxUses = 2
        configuration.authentication.sessionMaxUses = 3
        try await Harness.with(configuration) { h in
            #expect(try await h.request("/").header("X-CSRF-Token") == nil)
            #expect(try await h.request("/api/auth/login", method: .POST, body: "{}").status == 404)
            let bearer = try await h.loginLegacy()
            let bootstrap = try await h.request("/api/bootstrap", headers: [("Authorization", "Bearer \(bearer)")])
            #expect(bootstrap.status == 200)
            let key = try await h.accessKey(bearer: bearer)
            let camera = await h.firstCamera()
            let (start, _) = pastHour()
            let path = "/api/video/export?camera=\(camera.id)&start=\(start)&end=\(start + 60_000)&accessKey=\(key)"
            #expect(try await h.request(path).status == 200)
            #expect(try await h.request(path).status == 200)
            #expect(try await h.request(path).status == 401)  // the key is used up
            // Exports need the key (or the bearer); nothing else.
            #expect(try await h.request(path.replacingOccurrences(of: "&accessKey=\(key)", with: "")).status == 401)
            // The bearer token has had three uses (bootstrap, access key, and this one).
            #expect(try await h.request("/api/cameras", headers: [("Authorization", "Bearer \(bearer)")]).status == 200)
            #expect(try await h.request("/api/cameras", headers: [("Authorization", "Bearer \(bearer)")]).status == 401)
        }
    }

    @Test("Legacy: access keys also expire by time, and expire-sessions ends every session")
    func legacyTimeExpiryAndExpireNow() async throws {
        let milliseconds = Mutex<Int64>(1_790_000_000_000)
        var configuration = Harness.configuration(.legacy)
        configuration.authentication.accessKeyLifetime = 1
        configuration.authentication.clock = SimulatedClock { milliseconds.withLock { $0 } }
        try await Harness.with(configuration) { h in
            let bearer = try await h.loginLegacy()
            let key = try await h.accessKey(bearer: bearer)
            let camera = await h.firstCamera()
            let (start, _) = pastHour()
            milliseconds.withLock { $0 += 1_000 }
            let path = "/api/video/export?camera=\(camera.id)&start=\(start)&end=\(start + 60_000)&accessKey=\(key)"
            #expect(try await h.request(path).status == 401)
            #expect(try await h.request("/__sim/expire-sessions", method: .POST).status == 200)
            #expect(
                try await h.request("/api/bootstrap", headers: [("Authorization", "Bearer \(bearer)")]).status == 401)
        }
    }
}
