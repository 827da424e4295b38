#include "check.h"
void run_interop_tests(void) {}
