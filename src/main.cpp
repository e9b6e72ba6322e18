// foobar: one binary, one subcommand per server role.
int main() { return 0; }
