#include "check.h"
void run_json_tests(void) {}
