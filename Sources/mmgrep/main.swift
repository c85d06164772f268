import RegexSearch
import MappedBuffer
print("mmgrep")
