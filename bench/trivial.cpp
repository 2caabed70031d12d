// The baseline for bench/get_token.sh and bench/startup.sh: what starting any C++ program costs here.
#include <iostream>
int main() {
  std::cout << "hello\n";
  return 0;
}
