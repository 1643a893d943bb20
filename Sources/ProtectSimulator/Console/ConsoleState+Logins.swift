import Foundation

extension ConsoleState {
    func login(username: String, password: String) -> LoginOutcome {
        let now = configuration.authentication.clock.date
        loginTimes = loginTimes.filter { now.timeIntervalSince($0) < 60 }
        loginTimes.append(now)
        let auth = configuration.authentication
        if takeFault(\.loginRateLimitCount) || loginTimes.count > auth.loginsPerMinute {
            stats.failedLogins += 1
            return .rateLimited(retryAfter: auth.loginRetryAfter)
        }
        if username == auth.mfaUsername {
            stats.failedLogins += 1
            return .needsSecondFactor
        }
        guard username == auth.username, password == auth.password else {
            stats.failedLogins += 1
            return .invalidCredentials
        }
        stats.logins += 1
        let expires = now.addingTimeInterval(auth.sessionLifetime)
        let token: String
        if configuration.mode == .unifiOS {
            token = JWT.make(userID: "5f1c9a2b3c4d5e6f7a8b9c0d", issuedAt: now, expires: expires, csrf: randomToken(16))
        } else {
            token = randomToken(32)
        }
        // The JWT says `expires`; a firmware that ends sessions early ends this one sooner.
        let ends =
            configuration.firmware == .earlySessionEnd
            ? min(expires, now.addingTimeInterval(auth.earlySessionEnd)) : expires
        let session = Session(token: token, expires: ends, csrfToken: UUID().uuidString.lowercased())
        sessions[token] = session
        return .success(session)
    }

    func logout(token: String) {
        sessions[token] = nil
    }

    /// Checks a session token; for writes also its CSRF token. Counts the use and may rotate the CSRF token.
    func useSession(token: String?, csrf: String?, isWrite: Bool) -> SessionCheck {
        let now = configuration.authentication.clock.date
        guard let token, var session = sessions[token] else { return token == nil ? .missing : .expired }
        if session.expires <= now {
            sessions[token] = nil
            return .expired
        }
        if let maxUses = configuration.authentication.sessionMaxUses, session.uses >= maxUses {
            sessions[token] = nil
            return .expired
        }
        if isWrite && configuration.mode == .unifiOS {
            guard let csrf, csrf == session.csrfToken || csrf == session.previousCSRFToken else { return .badCSRF }
        }
        session.uses += 1
        var rotated: String?
        if configuration.mode == .unifiOS, let interval = configuration.authentication.csrfRotationInterval {
            responsesSinceRotation += 1
            if responsesSinceRotation >= interval {
                responsesSinceRotation = 0
                session.previousCSRFToken = session.csrfToken
                session.csrfToken = UUID().uuidString.lowercased()
                rotated = session.csrfToken
            }
        }
        sessions[token] = session
        return .valid(session, rotatedCSRF: rotated)
    }

    func issueAccessKey() -> String {
        let now = configuration.authentication.clock.date
        let key = "\(Int(now.timeIntervalSince1970 * 1000)):\(randomToken(12)):\(randomToken(48))"
        accessKeys[key] = AccessKey(expires: now.addingTimeInterval(configuration.authentication.accessKeyLifetime))
        stats.accessKeysIssued += 1
        return key
    }

    /// Checks and counts one use of a legacy access key.
    func useAccessKey(_ key: String) -> Bool {
        let now = configuration.authentication.clock.date
        guard var entry = accessKeys[key], entry.expires > now else {
            accessKeys[key] = nil
            return false
        }
        if let maxUses = configuration.authentication.accessKeyMaxUses, entry.uses >= maxUses {
            accessKeys[key] = nil
            return false
        }
        entry.uses += 1
        accessKeys[key] = entry
        return true
    }

    func randomToken(_ length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<length).map { _ in alphabet.randomElement()! })
    }
}
