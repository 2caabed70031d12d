"""Writes the JSONTestSuite-style cases of corpus-json-suite/ (the project's own, in the spirit of
JSONTestSuite: y_ must parse, n_ must be refused, i_ implementation-defined; the outcome of each
i_ case is pinned in tests/unit/sdk_json_suite.cpp). Run: python3 make_json_suite.py corpus-json-suite
"""
import os, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
cases = {}
def y(name, data): cases["y_" + name] = data
def n(name, data): cases["n_" + name] = data
def i(name, data): cases["i_" + name] = data
B = lambda s: s.encode("utf-8") if isinstance(s, str) else s

# --- numbers
y("number_zero", "[0]"); y("number_negative_zero", "[-0]"); y("number_int", "[123]")
y("number_negative_int", "[-42]"); y("number_fraction", "[3.25]"); y("number_exponent", "[1e5]")
y("number_capital_exponent", "[1E5]"); y("number_exponent_plus", "[1e+5]"); y("number_exponent_minus", "[1e-5]")
y("number_fraction_exponent", "[-0.5e-3]"); y("number_zero_exponent", "[0e0]"); y("number_bare", "7")
y("number_long_mantissa", "[12345678901234567890123456789]"); y("number_many_fraction_digits", "[0.000000000000000000001]")
y("number_after_space", " [ 1 ] ")
n("number_leading_plus", "[+1]"); n("number_leading_zero", "[012]"); n("number_negative_leading_zero", "[-01]")
n("number_dot_start", "[.5]"); n("number_dot_end", "[1.]"); n("number_exponent_empty", "[1e]")
n("number_exponent_sign_only", "[1e+]"); n("number_minus_only", "[-]"); n("number_minus_space", "[- 1]")
n("number_hex", "[0x1F]"); n("number_nan", "[NaN]"); n("number_infinity", "[Infinity]")
n("number_minus_infinity", "[-Infinity]"); n("number_double_dot", "[1.2.3]"); n("number_comma_decimal", "[1,5]x")
n("number_fraction_no_digits_exp", "[1.e5]"); n("number_two_exponents", "[1e5e5]"); n("number_fullwidth_digit", "[\uff11]")
n("number_trailing_letter", "[1a]"); n("number_double_minus", "[--1]")
i("number_huge_exponent", "[1e999999]"); i("number_tiny_exponent", "[1e-999999]")
i("number_int_past_int64", "[9223372036854775808]"); i("number_very_long", "[" + "9" * 400 + "]")
i("number_negative_int_past_int64", "[-9223372036854775809]")

# --- strings, escapes, surrogates
y("string_empty", '[""]'); y("string_simple", '["abc"]'); y("string_all_short_escapes", r'["\"\\\/\b\f\n\r\t"]')
y("string_unicode_escape", r'["\u00e9"]'); y("string_unicode_escape_uppercase", r'["\u00E9"]')
y("string_surrogate_pair", r'["\ud83d\ude00"]'); y("string_escaped_nul", r'["a\u0000b"]')
y("string_escaped_control", r'["\u001f"]'); y("string_raw_utf8_2byte", '["\u00e9"]'); y("string_raw_utf8_3byte", '["\u20ac"]')
y("string_raw_utf8_4byte", '["\U0001f600"]'); y("string_raw_del", '["\x7f"]'); y("string_u2028_raw", '["\u2028"]')
y("string_last_code_point", B('["') + b"\xf4\x8f\xbf\xbf" + B('"]')); y("string_bare", '"x"')
y("string_noncharacter", '["\uffff"]'); y("string_escaped_slash", r'["a\/b"]')
n("string_single_quotes", "['a']"); n("string_unterminated", '["abc'); n("string_raw_newline", '["a\nb"]')
n("string_raw_tab", '["a\tb"]'); n("string_raw_nul", B('["a') + b"\x00" + B('b"]')); n("string_raw_control_1f", '["\x1f"]')
n("string_bad_escape", r'["\x41"]'); n("string_escape_uppercase_u", r'["\U00e9"]'); n("string_short_unicode_escape", r'["\u12"]')
n("string_unicode_escape_nonhex", r'["\u12G4"]'); n("string_backslash_at_end", '["\\'); n("string_escaped_apostrophe", r'["\'"]')
n("string_lone_high_surrogate_raw_utf8", B('["') + b"\xed\xa0\x80" + B('"]'))
n("string_unescaped_quote", '["a"b"]'); n("string_no_quotes", "[abc]")
i("string_lone_high_surrogate_escape", r'["\ud800"]'); i("string_lone_low_surrogate_escape", r'["\udc00"]')
i("string_reversed_surrogates", r'["\ude00\ud83d"]'); i("string_high_surrogate_then_letter", r'["\ud800a"]')
i("string_two_high_surrogates", r'["\ud800\ud800"]')

# --- UTF-8 validity
n("utf8_invalid_start_byte", B('["') + b"\x80" + B('"]')); n("utf8_truncated_2byte", B('["') + b"\xc3" + B('"]'))
n("utf8_truncated_3byte", B('["') + b"\xe2\x82" + B('"]')); n("utf8_truncated_4byte", B('["') + b"\xf0\x9f\x98" + B('"]'))
n("utf8_overlong_slash", B('["') + b"\xc0\xaf" + B('"]')); n("utf8_overlong_nul", B('["') + b"\xc0\x80" + B('"]'))
n("utf8_overlong_3byte", B('["') + b"\xe0\x80\xaf" + B('"]')); n("utf8_past_max_code_point", B('["') + b"\xf4\x90\x80\x80" + B('"]'))
n("utf8_byte_ff", B('["') + b"\xff" + B('"]')); n("utf8_five_byte_form", B('["') + b"\xf8\x88\x80\x80\x80" + B('"]'))
n("utf8_continuation_missing", B('["') + b"\xe2\x28\xa1" + B('"]')); n("utf8_latin1_outside_string", B("[") + b"\xe9" + B("]"))
n("utf8_utf16_encoded", "[\"a\"]".encode("utf-16-le"))

# --- structure
y("structure_empty_array", "[]"); y("structure_empty_object", "{}"); y("structure_object", '{"a":1,"b":[true,false,null]}')
y("structure_nested", '{"a":{"b":{"c":[[],[{}]]}}}'); y("structure_whitespace_everywhere", ' \t\r\n{ "a" :\n[ 1 ,\t2 ] }\r\n')
y("structure_true", "true"); y("structure_false", "false"); y("structure_null", "null")
y("structure_empty_key", '{"":0}'); y("structure_same_value_different_keys", '{"a":1,"A":1}')
y("structure_keys_differ_by_escape_form", '{"\\u00e9":1,"e":2}')
n("structure_empty", ""); n("structure_only_whitespace", " \n "); n("structure_trailing_comma_array", "[1,]")
n("structure_trailing_comma_object", '{"a":1,}'); n("structure_leading_comma", "[,1]"); n("structure_double_comma", "[1,,2]")
n("structure_missing_colon", '{"a" 1}'); n("structure_missing_value", '{"a":}'); n("structure_unquoted_key", "{a:1}")
n("structure_number_key", "{1:1}"); n("structure_unclosed_array", "[1"); n("structure_unclosed_object", '{"a":1')
n("structure_mismatched_brackets", "[}"); n("structure_extra_close", "[]]"); n("structure_comment_line", "[1]//x")
n("structure_comment_block", "[/* x */1]"); n("structure_capital_true", "[True]"); n("structure_truncated_false", "[fals]")
n("structure_nul_byte", b"[\x00]"); n("structure_colon_in_array", '["a":1]'); n("structure_object_in_key", '{{}:1}')
n("structure_vertical_tab_whitespace", "[\x0b1]"); n("structure_form_feed_whitespace", "[\x0c1]")
n("structure_nbsp_whitespace", "[\u00a01]"); n("structure_lone_bracket", "["); n("structure_lone_brace", "}")
n("structure_single_quote_key", "{'a':1}")
i("structure_duplicate_key", '{"a":1,"a":2}'); i("structure_duplicate_key_same_value", '{"a":1,"a":1}')
i("structure_duplicate_key_via_escape", '{"a":1,"\\u0061":2}')

# --- trailing garbage
n("trailing_garbage_second_value", "[1] 2"); n("trailing_garbage_second_object", "{}{}"); n("trailing_garbage_letter", "[1]x")
n("trailing_garbage_comma", "[1],"); n("trailing_garbage_nul", b"[1]\x00"); n("trailing_garbage_close", "{}}")
n("trailing_garbage_after_number", "1 2"); n("trailing_garbage_after_string", '"a" "b"')
y("trailing_whitespace", "[1] \n\t\r ")

# --- BOM
n("bom_no_data", b"\xef\xbb\xbf"); n("bom_utf16_le", b"\xff\xfe[]"); n("bom_in_middle", b"[\xef\xbb\xbf1]")
i("bom_utf8_before_object", b"\xef\xbb\xbf{}")

# --- nesting depth (the parser's documented limit is 64)
y("depth_64_arrays", "[" * 64 + "]" * 64); y("depth_64_objects", '{"a":' * 63 + "{}" + "}" * 63)
i("depth_65_arrays", "[" * 65 + "]" * 65); i("depth_66_arrays", "[" * 66 + "]" * 66); n("depth_5000_arrays", "[" * 5000)
n("depth_5000_objects", '{"a":' * 5000); n("depth_unbalanced_deep", "[" * 60 + "]" * 61)
i("depth_1000_arrays_closed", "[" * 1000 + "]" * 1000)

for name, data in cases.items():
    with open(os.path.join(out, name + ".json"), "wb") as f:
        f.write(B(data))
print(len(cases), "cases")
