import ByteBuffer
import CPCRE2

func _pcre2Version() -> UInt32 { var v: UInt32 = 0; pcre2_config_8(UInt32(PCRE2_CONFIG_JIT), &v); return v }
