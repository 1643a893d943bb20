import Hummingbird

extension ViewerServer {
    func addPageRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ -> Response in
            Self.text(.ok, ViewerPage.html, type: "text/html; charset=utf-8")
        }
        router.get("app.js") { _, _ -> Response in
            Self.text(.ok, ViewerPage.script, type: "text/javascript; charset=utf-8")
        }
        router.get("app.css") { _, _ -> Response in
            Self.text(.ok, ViewerPage.css, type: "text/css; charset=utf-8")
        }
    }
}
