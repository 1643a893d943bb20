import ProtectArchive
import Testing

@Suite("${NAME} in a path, from the environment")
struct PathVariablesTests {
    @Test("Each ${NAME} is replaced; a bare $ or an unclosed ${ stays; an unset name is refused by name")
    func expand() throws {
        let environment = ["CREDENTIALS_DIRECTORY": "/run/credentials/protect-dl-sync.service", "A_1": "x"]
        #expect(
            try PathVariables.expand("${CREDENTIALS_DIRECTORY}/home.password", environment: environment)
                == "/run/credentials/protect-dl-sync.service/home.password")
        #expect(try PathVariables.expand("/a/${A_1}${A_1}/b", environment: environment) == "/a/xx/b")
        #expect(
            try PathVariables.expand("/pa$$word/${}/${A-1}/${A_1", environment: environment)
                == "/pa$$word/${}/${A-1}/${A_1")
        #expect(try PathVariables.expand("/plain/path", environment: [:]) == "/plain/path")
        #expect(throws: PathVariables.Unset(name: "CREDENTIALS_DIRECTORY")) {
            try PathVariables.expand("${CREDENTIALS_DIRECTORY}/home.password", environment: [:])
        }
    }
}
