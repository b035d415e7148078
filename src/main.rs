fn main() -> std::process::ExitCode {
    partner_center_emulator::process::main()
}
