import Foundation

/// The full shape of a UniFi OS bootstrap of Protect's 1.x–4.x era: every field a real console sends for a camera,
/// the NVR, the user and the lists, with values that follow the simulated cameras (ids, names, models, channels,
/// recordings moving with time). Strict clients (uiprotect parses the bootstrap with pydantic) refuse documents that
/// lack any of these fields.
enum BootstrapShape {
    /// The id of the simulated console user, and of its group.
    static let userID = "5f1c9a2b3c4d5e6f7a8b9c0d"
    static let groupID = "5f1c9a2b3c4d5e6f7a8b9c0e"

    static let null = NSNull()

    /// `{max, min, step}` all null: an axis the camera cannot move.
    static var noRange: [String: Any] { ["max": null, "min": null, "step": null] }
    static var noAxis: [String: Any] { ["steps": noRange, "degrees": noRange] }

    /// A camera as `GET bootstrap` and `GET cameras` give it.
    static func camera(
        _ camera: SimulatedCamera, now: Int64, nvrHost: String, lastMotion: Int64?, isMotionDetected: Bool
    ) -> [String: Any] {
        let isDoorbell = camera.type.contains("Doorbell")
        let mac = String(camera.id.suffix(12)).uppercased()
        let recordingStart: Any = camera.recordingStart.map { $0 as Any } ?? null
        let recordingEnd: Any = camera.recordingStart == nil ? null : (camera.recordingEnd ?? now)
        let connected = camera.isConnected
        let smartTypes = isDoorbell ? ["person", "package"] : ["person", "vehicle", "animal"]
        let video: [String: Any] = [
            "recordingStart": recordingStart, "recordingEnd": recordingEnd,
            "recordingStartLQ": recordingStart, "recordingEndLQ": recordingEnd,
            "timelapseStart": recordingStart, "timelapseEnd": recordingEnd,
            "timelapseStartLQ": recordingStart, "timelapseEndLQ": recordingEnd,
        ]
        var lenses: [[String: Any]] = []
        if camera.hasPackageLens {
            lenses.append(["id": 2, "video": video])
        }
        let upSince = camera.recordingStart ?? (now - 86_400_000)
        return [
            "id": camera.id,
            "mac": mac,
            "host": "192.168.1.\(20 + camera.index % 200)",
            "connectionHost": nvrHost,
            "type": camera.type,
            "marketName": camera.type.replacingOccurrences(of: "UVC ", with: ""),
            "name": camera.name,
            "modelKey": "camera",
            "platform": "s5l",
            "state": connected ? "CONNECTED" : "DISCONNECTED",
            "isConnected": connected,
            "isManaged": true,
            "canManage": false,
            "isAdopted": true,
            "isAdoptedByOther": false,
            "isAdopting": false,
            "isProvisioned": true,
            "isRebooting": false,
            "isUpdating": false,
            "isDeleting": false,
            "isSshEnabled": false,
            "canAdopt": false,
            "isAttemptingToConnect": !connected,
            "isRecording": connected && camera.recordingStart != nil,
            "isMotionDetected": isMotionDetected,
            "isSmartDetected": false,
            "isMicEnabled": true,
            "micVolume": 100,
            "isWirelessUplinkEnabled": true,
            "isProbingForWifi": false,
            "isDark": false,
            "isLiveHeatmapEnabled": false,
            "isPoorNetwork": false,
            "isPairedWithAiPort": false,
            "videoReconfigurationInProgress": false,
            "useGlobal": false,
            "hasSpeaker": true,
            "hasWifi": false,
            "audioBitrate": 64_000,
            "upSince": upSince,
            "uptime": connected ? (now - upSince) / 1000 : null,
            "lastSeen": connected ? now : (camera.recordingEnd ?? now),
            "connectedSince": connected ? upSince : null,
            "hardwareRevision": "10",
            "firmwareVersion": "4.69.55",
            "latestFirmwareVersion": "4.69.55",
            "firmwareBuild": "3fd5d4b.230315.1234",
            "lastMotion": lastMotion.map { $0 as Any } ?? null,
            "lastRing": isDoorbell ? (lastMotion.map { $0 as Any } ?? null) : null,
            "phyRate": connected ? 1000 : null,
            "hdrMode": true,
            "videoMode": "default",
            "apMac": null,
            "apRssi": null,
            "elementInfo": null,
            "chimeDuration": isDoorbell ? 300 : 0,
            "lastPrivacyZonePositionId": null,
            "anonymousDeviceId": uuid(from: camera.id),
            "voltage": null,
            "activePatrolSlot": null,
            "eventStats": [
                "motion": [
                    "today": 0, "average": 0, "lastDays": Array(repeating: 0, count: 7),
                    "recentHours": Array(repeating: 0, count: 13),
                ] as [String: Any],
                "smart": ["today": 0, "average": 0, "lastDays": Array(repeating: 0, count: 7)] as [String: Any],
            ] as [String: Any],
            "wiredConnectionState": ["phyRate": connected ? 1000 : null] as [String: Any],
            "wifiConnectionState": [
                "channel": null, "frequency": null, "phyRate": null, "signalQuality": null, "signalStrength": null,
                "ssid": null,
            ],
            "channels": camera.channels.map(channel),
            "ispSettings": ispSettings,
            "talkbackSettings": [
                "typeFmt": "aac", "typeIn": "serverudp", "bindAddr": "0.0.0.0", "bindPort": 7004,
                "filterAddr": null, "filterPort": null, "channels": 1, "samplingRate": 22_050, "bitsPerSample": 16,
                "quality": 100,
            ] as [String: Any],
            "osdSettings": [
                "isNameEnabled": true, "isDateEnabled": true, "isLogoEnabled": false, "isDebugEnabled": false,
            ],
            "ledSettings": ["isEnabled": true, "blinkRate": 0] as [String: Any],
            "speakerSettings": ["isEnabled": true, "areSystemSoundsEnabled": false, "volume": 80] as [String: Any],
            "recordingSettings": [
                "prePaddingSecs": 2, "postPaddingSecs": 2, "minMotionEventTrigger": 1000, "endMotionEventDelay": 3000,
                "suppressIlluminationSurge": false, "mode": camera.motionOnly ? "detections" : "always",
                "geofencing": "off", "motionAlgorithm": "enhanced", "enablePirTimelapse": false,
                "useNewMotionAlgorithm": true,
            ] as [String: Any],
            "smartDetectSettings": ["objectTypes": smartTypes],
            "recordingSchedules": [] as [Any],
            "motionZones": [zone(objectTypes: nil)],
            "privacyZones": [] as [Any],
            "smartDetectZones": [zone(objectTypes: smartTypes)],
            "smartDetectLines": [] as [Any],
            "stats": [
                "rxBytes": 0, "txBytes": 0,
                "wifi": [
                    "channel": null, "frequency": null, "linkSpeedMbps": null, "signalQuality": 50,
                    "signalStrength": 0,
                ] as [String: Any],
                "battery": ["percentage": null, "isCharging": false, "sleepState": "disconnected"] as [String: Any],
                "video": video,
                "storage": ["used": 0, "rate": 0.0] as [String: Any],
                "wifiQuality": 50,
                "wifiStrength": 0,
            ] as [String: Any],
            "featureFlags": featureFlags(camera, isDoorbell: isDoorbell, smartTypes: smartTypes),
            "pirSettings": [
                "pirSensitivity": 100, "pirMotionClipLength": 15, "timelapseFrameInterval": 15,
                "timelapseTransferInterval": 600,
            ],
            "lcdMessage": isDoorbell
                ? ["type": "CUSTOM_MESSAGE", "text": "Welcome", "resetAt": null] as [String: Any]
                : [:] as [String: Any],
            "lenses": lenses,
        ]
    }

    static func channel(_ channel: SimulatedChannel) -> [String: Any] {
        [
            "id": channel.id,
            "videoId": channel.id == 3 ? "video4" : "video\(channel.id + 1)",
            "name": ["High", "Medium", "Low", "Package Camera"][min(channel.id, 3)],
            "enabled": channel.enabled,
            "isRtspEnabled": false,
            "rtspAlias": null,
            "width": channel.width,
            "height": channel.height,
            "fps": channel.fps,
            "bitrate": channel.bitrate,
            "minBitrate": 32_000,
            "maxBitrate": channel.bitrate,
            "minClientAdaptiveBitRate": 0,
            "minMotionAdaptiveBitRate": 0,
            "fpsValues": [1, 2, 4, 5, 8, 10, 12, 15, 20, 24, 25, 30].filter { $0 <= max(channel.fps, 2) },
            "idrInterval": 5,
        ]
    }

    static func zone(objectTypes: [String]?) -> [String: Any] {
        var zone: [String: Any] = [
            "id": 1, "name": "Default", "color": "#AB46BC", "points": [[0, 0], [1, 0], [1, 1], [0, 1]],
            "sensitivity": 50,
        ]
        if let objectTypes { zone["objectTypes"] = objectTypes }
        return zone
    }

    static var ispSettings: [String: Any] {
        [
            "aeMode": "auto", "irLedMode": "auto", "irLedLevel": 255, "wdr": 1, "icrSensitivity": 0,
            "brightness": 50, "contrast": 50, "hue": 50, "saturation": 50, "sharpness": 50, "denoise": 50,
            "isFlippedVertical": false, "isFlippedHorizontal": false, "isAutoRotateEnabled": true,
            "isLdcEnabled": true, "is3dnrEnabled": true, "isExternalIrEnabled": false,
            "isAggressiveAntiFlickerEnabled": false, "isPauseMotionEnabled": false, "dZoomCenterX": 50,
            "dZoomCenterY": 50, "dZoomScale": 0, "dZoomStreamId": 4, "focusMode": "ztrig", "focusPosition": 0,
            "touchFocusX": 1001, "touchFocusY": 1001, "zoomPosition": 0, "mountPosition": null,
        ]
    }

    static func featureFlags(_ camera: SimulatedCamera, isDoorbell: Bool, smartTypes: [String]) -> [String: Any] {
        [
            "supportFullHdSnapshot": false, "canAdjustIrLedLevel": false, "canMagicZoom": false,
            "canOpticalZoom": false, "canTouchFocus": false, "hasAccelerometer": true, "hasAec": true,
            "hasBattery": false, "hasBluetooth": false, "hasChime": isDoorbell, "hasExternalIr": false,
            "hasIcrSensitivity": true, "hasLdc": true, "hasLedIr": true, "hasLedStatus": true, "hasLineIn": false,
            "hasMic": true, "hasPrivacyMask": true, "hasRtc": false, "hasSdCard": false, "hasSpeaker": true,
            "hasWifi": false, "hasHdr": true, "hasAutoICROnly": true, "videoModes": ["default"],
            "videoModeMaxFps": [] as [Int], "hasMotionZones": true, "hasLcdScreen": isDoorbell,
            "mountPositions": [] as [String], "smartDetectTypes": smartTypes, "motionAlgorithms": ["enhanced"],
            "hasSquareEventThumbnail": true, "hasPackageCamera": camera.hasPackageLens, "hasSmartDetect": true,
            "hasFingerprintSensor": false, "supportNfc": false,
            "privacyMaskCapability": ["maxMasks": 16, "rectangleOnly": false] as [String: Any],
            "focus": noAxis, "pan": noAxis, "tilt": noAxis,
            "zoom": ["ratio": 1, "steps": noRange, "degrees": noRange] as [String: Any],
        ]
    }

    /// The NVR object.
    static func nvr(
        id: String, mac: String, name: String, version: String, timeZone: String, host: String, now: Int64,
        upSince: Int64
    ) -> [String: Any] {
        [
            "id": id, "mac": mac, "host": host, "name": name, "type": "UNVR", "modelKey": "nvr",
            "canAutoUpdate": true, "isStatsGatheringEnabled": true, "timezone": timeZone, "version": version,
            "ucoreVersion": "2.3.26", "firmwareVersion": "4.0.6", "uiVersion": null, "hardwarePlatform": "al324",
            "ports": [
                "ump": 7449, "http": 7080, "https": 7443, "rtsp": 7447, "rtsps": 7441, "rtmp": 1935,
                "devicesWss": 7442, "cameraHttps": 7444, "cameraTcp": 7877, "liveWs": 7445, "liveWss": 7446,
                "tcpStreams": 7448, "playback": 7450, "emsCLI": 7440, "emsLiveFLV": 7550, "cameraEvents": 7551,
                "tcpBridge": 7888, "ucore": 11081, "discoveryClient": 0,
            ],
            "uptime": now - upSince, "lastSeen": now, "upSince": upSince, "isUpdating": false,
            "lastUpdateAt": null, "isStation": false, "enableAutomaticBackups": true, "enableStatsReporting": false,
            "isSshEnabled": false, "errorCode": null, "releaseChannel": "release", "ssoChannel": null,
            "hosts": [host], "enableBridgeAutoAdoption": true, "hardwareId": uuid(from: id),
            "hardwareRevision": "113-03137-22", "hostType": 59936, "hostShortname": "UNVR", "isHardware": true,
            "isWirelessUplinkEnabled": false, "timeFormat": "24h", "temperatureUnit": "C",
            "recordingRetentionDurationMs": null, "enableCrashReporting": false, "disableAudio": false,
            "analyticsData": "anonymous", "anonymousDeviceId": uuid(from: mac + id), "cameraUtilization": 10,
            "isRecycling": false, "avgMotions": Array(repeating: 0.0, count: 24), "disableAutoLink": false,
            "skipFirmwareUpdate": false,
            "wifiSettings": ["useThirdPartyWifi": false, "ssid": null, "password": null] as [String: Any],
            "locationSettings": [
                "isAway": false, "isGeofencingEnabled": false, "latitude": null, "longitude": null, "radius": 200,
            ] as [String: Any],
            "featureFlags": ["beta": false, "dev": false, "notificationsV2": true],
            "systemInfo": [
                "cpu": ["averageLoad": 5, "temperature": 50],
                "memory": ["available": 6_000_000, "free": 100_000, "total": 8_000_000],
                "storage": [
                    "available": 2_000_000_000_000, "isRecycling": false, "size": 4_000_000_000_000, "type": "raid",
                    "used": 2_000_000_000_000, "devices": [] as [Any],
                ] as [String: Any],
                "tmpfs": [
                    "available": 960_000, "total": 1_048_576, "used": 88_576, "path": "/var/opt/unifi-protect/tmp",
                ]
                    as [String: Any],
            ] as [String: Any],
            "doorbellSettings": [
                "defaultMessageText": "Welcome", "defaultMessageResetTimeoutMs": 60_000,
                "customMessages": [] as [String], "allMessages": [] as [Any],
            ] as [String: Any],
            "smartDetectAgreement": ["status": "agreed", "lastUpdateAt": upSince] as [String: Any],
            "storageStats": [
                "utilization": 50.0, "capacity": 6_000_000_000, "remainingCapacity": 3_000_000_000,
                "recordingSpace": [
                    "total": 4_000_000_000_000, "used": 2_000_000_000_000, "available": 2_000_000_000_000,
                ],
                "storageDistribution": [
                    "recordingTypeDistributions": [] as [Any], "resolutionDistributions": [] as [Any],
                ],
            ] as [String: Any],
            "isAway": false, "isSetup": true, "network": "Ethernet", "isRecordingDisabled": false,
            "isRecordingMotionOnly": false, "maxCameraCapacity": ["4K": 8, "2K": 12, "HD": 16],
        ]
    }

    /// The console user protect-dl and other clients log in as, with every permission on cameras.
    static func user(username: String) -> [String: Any] {
        let permissions = [
            "nvr:read:*", "liveview:create", "user:read,write,delete:$", "camera:read,readmedia,readlive:*",
            "group:read:*", "schedule:read:*",
        ]
        return [
            "id": userID, "modelKey": "user", "permissions": [] as [String], "allPermissions": permissions,
            "lastLoginIp": null, "lastLoginTime": null, "isOwner": true, "enableNotifications": false,
            "settings": ["flags": [:] as [String: Any]], "groups": [groupID],
            "location": ["isAway": false, "latitude": null, "longitude": null] as [String: Any],
            "alertRules": [] as [Any],
            "notificationsV2": [
                "state": "off",
                "motionNotifications": [
                    "trigger": ["when": "inherit", "location": "away", "schedules": [] as [Any]] as [String: Any],
                    "cameras": [] as [Any], "doorbells": [] as [Any], "lights": [] as [Any], "doorlocks": [] as [Any],
                    "sensors": [] as [Any],
                ] as [String: Any],
                "systemNotifications": [:] as [String: Any],
            ] as [String: Any],
            "featureFlags": ["notificationsV2": true],
            "hasAcceptedInvite": true, "cloudAccount": null, "name": username, "firstName": username, "lastName": "",
            "email": "\(username)@example.invalid", "localUsername": username,
        ]
    }

    static var group: [String: Any] {
        [
            "id": groupID, "modelKey": "group", "name": "Administrators", "type": "preset", "isDefault": true,
            "permissions": ["nvr:read:*", "camera:read,readmedia,readlive:*"],
        ]
    }

    /// A stable UUID-shaped text made from `seed`.
    static func uuid(from seed: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var text = ""
        for round in 0..<2 {
            for byte in (seed + String(round)).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
            text += String(format: "%016llx", hash)
        }
        let characters = Array(text)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
