// Linked into every fuzz target. GiNaC's number library (CLN) allocates a
// few bytes in its static initialisers that it never frees; LeakSanitizer
// reports them when the process ends, which is not a leak of ours.

extern "C" const char* __lsan_default_suppressions() {
  return "leak:libcln.so\n";
}
