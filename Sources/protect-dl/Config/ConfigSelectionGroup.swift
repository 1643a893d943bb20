import ArgumentParser

/// `--config` and `--console`: which configuration file, and which of its consoles. `main` applies them before the
/// command is parsed (see `ArgumentLayers`); here they are declared for help, completions and the manual.
struct ConfigSelectionGroup: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The configuration file (default: PROTECT_DL_CONFIG, ~/.config/protect-dl/config.yaml, /etc/protect-dl/config.yaml).",
            valueName: "file"))
    var config: String?
    @Option(
        help: ArgumentHelp(
            "Use this console's section of the configuration file (PROTECT_DL_CONSOLE; the only one when there is one).",
            valueName: "name"))
    var console: String?
}
