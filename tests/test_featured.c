#include "tap.h"
int main(void) { skip_all("placeholder: being written"); }
