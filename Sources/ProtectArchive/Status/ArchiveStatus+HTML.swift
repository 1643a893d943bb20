import Foundation

extension ArchiveStatus {
    /// A self-contained page (no network, no external file) with the same timeline: one row per day and camera,
    /// one cell per hour; hovering a cell shows its file, size and SHA-256. The data is embedded as JSON and drawn
    /// by an inline script, so the page opens offline from disk. `generatedAt`: now, shown on the page.
    public func html(title: String, generatedAt: Int64) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(self), as: UTF8.self)
            // Nothing in the data may close the script element.
            .replacingOccurrences(of: "</", with: "<\\/")
        let escapedTitle = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(
            of: "<", with: "&lt;")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escapedTitle)</title>
            <style>
            body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
            h1 { font-size: 1.3em; } h2 { font-size: 1.05em; margin: 1.4em 0 .3em; }
            .day { display: flex; align-items: center; gap: 1px; margin: 1px 0; }
            .day > span.date { width: 7.5em; font-family: monospace; }
            .h { width: 14px; height: 14px; border-radius: 2px; background: #eee; }
            .archived { background: #2e9e44; } .unverified { background: #7cc7d8; } .empty { background: #cfcfcf; }
            .failed { background: #d63a3a; } .missing { background: #f2c230; } .short { background: #b04fc4; }
            .pruned { background: repeating-linear-gradient(135deg, #9a9a9a 0 2px, #e4e4e4 2px 5px); }
            .none { background: transparent; box-shadow: inset 0 0 0 1px #e2e2e2; }
            .axis > span.h { background: none; font: 9px monospace; color: #777; text-align: left; }
            .legend span.h { display: inline-block; vertical-align: middle; margin: 0 .3em 0 1em; }
            .totals { color: #555; } .alert { color: #a31515; margin: .2em 0; }
            </style></head>
            <body>
            <h1>\(escapedTitle)</h1>
            <p class="legend" id="legend"></p>
            <p id="summary"></p>
            <p id="generated" data-generated="\(generatedAt)"></p>
            <div id="alerts"></div>
            <div id="cameras"></div>
            <script type="application/json" id="status">\(json)</script>
            <script>
            (function () {
              const status = JSON.parse(document.getElementById("status").textContent);
              const states = ["archived", "unverified", "empty", "failed", "missing", "short", "pruned"];
              const zone = status.timezone;
              const dayOf = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
              const hourOf = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", hourCycle: "h23" });
              const rank = { archived: 0, pruned: 1, empty: 2, unverified: 3, missing: 4, short: 5, failed: 6 };
              // Decimal units, as the terminal's status prints them.
              const size = (b) => b >= 1e9 ? (b / 1e9).toFixed(2) + " GB" : (b / 1e6).toFixed(1) + " MB";
              const local = new Intl.DateTimeFormat("sv-SE", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
                hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" });
              const when = (ms) => local.format(new Date(ms));
              const totals = (t) => states.map((s) => (t[s] || 0) + " " + s).join(", ");
              const legend = document.getElementById("legend");
              for (const s of states.concat(["none"])) {
                const cell = document.createElement("span"); cell.className = "h key " + s; legend.appendChild(cell);
                legend.appendChild(document.createTextNode(s === "none" ? "outside the range" : s));
              }
              const summary = document.getElementById("summary");
              summary.textContent = status.cameras.length + " streams: " + totals(status.totals) + "; " + size(status.bytes) +
                (status.oldest ? "; oldest " + when(status.oldest) + ", newest " + when(status.newest) : "") +
                " (hours in " + zone + ")";
              const generated = document.getElementById("generated");
              generated.textContent = "generated at " + when(Number(generated.dataset.generated)) + "; last pass: " +
                (status.lastPass ? when(status.lastPass) : "none yet") +
                (status.disconnected ? "; disconnected (as the console said): " + status.disconnected.join(", ") : "");
              const alerts = document.getElementById("alerts");
              const open = status.alerts || [];
              const alertsHeading = document.createElement("h2");
              alertsHeading.textContent = open.length ? open.length + " open alerts" : "No open alerts";
              alerts.appendChild(alertsHeading);
              for (const alert of open) {
                const item = document.createElement("p"); item.className = "alert"; item.dataset.kind = alert.kind;
                item.textContent = "[" + alert.console + "] " + alert.title + (alert.camera ? ": " + alert.camera : "") +
                  ", since " + when(alert.since) + ": " + alert.detail;
                alerts.appendChild(item);
              }
              const root = document.getElementById("cameras");
              for (const camera of status.cameras) {
                const section = document.createElement("section");
                section.className = "camera"; section.dataset.id = camera.id;
                const heading = document.createElement("h2");
                heading.textContent = camera.name + " (" + camera.label + ")";
                const line = document.createElement("div"); line.className = "totals";
                line.textContent = (camera.clips ? camera.hours.length + " clips (a cell per hour that holds clips): " : "") +
                  totals(camera.totals) + "; " + size(camera.bytes);
                const axis = document.createElement("div"); axis.className = "day axis";
                const corner = document.createElement("span"); corner.className = "date"; corner.textContent = "hour";
                axis.appendChild(corner);
                for (let h = 0; h < 24; h++) {
                  const tick = document.createElement("span"); tick.className = "h";
                  tick.textContent = h % 3 === 0 ? String(h).padStart(2, "0") : "";
                  axis.appendChild(tick);
                }
                section.append(heading, line, axis);
                const days = new Map();
                for (const hour of camera.hours) {
                  const at = new Date(hour.start);
                  const day = dayOf.format(at), slot = parseInt(hourOf.format(at), 10) % 24;
                  if (!days.has(day)) days.set(day, new Array(24).fill(null));
                  const cells = days.get(day);
                  if (!cells[slot] || rank[hour.state] > rank[cells[slot].state]) cells[slot] = hour;
                }
                for (const [day, cells] of days) {
                  const row = document.createElement("div"); row.className = "day";
                  const label = document.createElement("span"); label.className = "date"; label.textContent = day;
                  row.appendChild(label);
                  cells.forEach((hour, slot) => {
                    const cell = document.createElement("span");
                    cell.className = "h " + (hour ? hour.state : "none");
                    cell.dataset.hour = String(slot).padStart(2, "0");
                    if (hour) {
                      cell.title = [day + " " + cell.dataset.hour + ":00 " + hour.state, hour.path,
                        hour.size != null ? size(hour.size) + " (" + hour.size + " bytes)" : null,
                        hour.sha256 ? "SHA-256 " + hour.sha256 : null, hour.note].filter(Boolean).join("\\n");
                    }
                    row.appendChild(cell);
                  });
                  section.appendChild(row);
                }
                root.appendChild(section);
              }
              document.body.dataset.rendered = "yes";
            })();
            </script>
            </body></html>

            """
    }
}
