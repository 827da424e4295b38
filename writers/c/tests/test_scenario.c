#include "check.h"
void run_scenario_tests(void) {}
