#include <stdio.h>

int main(int argc, char **argv) {
	printf("hello from a rumprun unikernel (%d args)\n", argc);
	return 0;
}
