/// The viewer's page, its style and the login form: the project's own, served by the viewer itself (no CDN, no
/// build step).
enum ViewerPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>protect-dl viewer</title>
        <link rel="stylesheet" href="/app.css">
        </head>
        <body>
        <header>
          <strong>protect-dl</strong>
          <button id="zoom-out" title="Zoom out">&minus;</button>
          <button id="zoom-in" title="Zoom in">+</button>
          <span id="view"></span>
          <label>Speed <select id="speed">
            <option>1</option><option>2</option><option>4</option><option>8</option><option>16</option>
          </select>&times;</label>
          <button id="pause">Pause</button>
          <span id="clock"></span>
          <button id="save" disabled>Save selection as a clip</button>
          <span id="selection"></span>
        </header>
        <section id="players"></section>
        <p class="help">Click a timeline to play from that moment (several cameras play side by side, in step).
        Drag to move, wheel or &minus;/+ to zoom, shift-drag to select a range.
        <span class="key archived">archived</span> <span class="key empty">no recording</span>
        <span class="key failed">failed</span> <span class="key missing">missing</span>
        <span class="key event">event</span></p>
        <section id="cameras"></section>
        <script src="/app.js"></script>
        </body>
        </html>
        """

    static let css = """
        body { font: 14px system-ui, sans-serif; margin: 0; background: #111; color: #ddd; }
        header { position: sticky; top: 0; background: #222; padding: 6px 10px; display: flex; gap: 10px;
          align-items: center; z-index: 2; flex-wrap: wrap; }
        button, select { background: #333; color: #eee; border: 1px solid #555; border-radius: 3px; padding: 2px 8px; }
        button:disabled { opacity: .4; }
        #clock { font-family: monospace; min-width: 19ch; }
        #players { display: flex; flex-wrap: wrap; gap: 6px; padding: 6px; }
        #players figure { margin: 0; width: 480px; max-width: 100%; }
        #players video { width: 100%; background: #000; display: block; }
        #players video[hidden] { display: none; }
        #players figcaption { font-size: 12px; color: #aaa; }
        .help { color: #888; font-size: 12px; padding: 0 10px; }
        .key::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 3px; }
        .archived::before { background: #3a8f4a; } .empty::before { background: #555; }
        .failed::before { background: #c0392b; } .missing::before { background: #d68910; }
        .event::before { background: #5dade2; }
        .camera { display: flex; align-items: center; gap: 8px; padding: 4px 10px; border-top: 1px solid #222;
          min-height: 64px; }
        .camera img { width: 96px; height: 54px; object-fit: cover; background: #000; }
        .camera .name { width: 140px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
        .camera canvas { flex: 1; height: 48px; cursor: crosshair; background: #1a1a1a; min-width: 200px; }
        """

    static let login = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>protect-dl viewer: log in</title>
        <link rel="stylesheet" href="/app.css"></head>
        <body><form method="post" action="/login" style="padding:40px">
        <p>This archive viewer needs its password.</p>
        <input type="password" name="password" autofocus> <button type="submit">Log in</button>
        </form></body></html>
        """
}
