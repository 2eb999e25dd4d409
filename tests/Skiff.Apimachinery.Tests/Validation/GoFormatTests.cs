using System.Text;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Tests.Validation;

/// <summary>Go's %q and %v as the API server's messages print them.</summary>
public sealed class GoFormatTests
{
    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("say \"hi\"\\", "\"say \\\"hi\\\"\\\\\"")]
    [InlineData("a\nb\tc\r", "\"a\\nb\\tc\\r\"")]
    [InlineData("\u0001\u007f", "\"\\x01\\x7f\"")]
    [InlineData("caf\u00e9 \u65e5\u672c", "\"caf\u00e9 \u65e5\u672c\"")]
    [InlineData("nb\u00a0sp\u200b", "\"nb\\u00a0sp\\u200b\"")]
    public void Quote_is_strconv_Quote(string text, string expected) => Assert.Equal(expected, GoFormat.Quote(text));

    [Theory]
    [InlineData("""{"b":1,"a":"x","$c":[1,"two",true,null]}""", "map[$c:[1 two true <nil>] a:x b:1]")]
    [InlineData("""{"spec":{"containers":[{"name":"main","imagee":"busybox"}]}}""", "map[spec:map[containers:[map[imagee:busybox name:main]]]]")]
    [InlineData("""{"empty":{},"list":[],"f":1.5,"g":1.0,"big":12345678901234567890,"e":1e3}""", "map[big:1.2345678901234567e+19 e:1000 empty:map[] f:1.5 g:1 list:[]]")]
    [InlineData("""{"a":1,"a":2}""", "map[a:2]")]
    [InlineData("""{"s":"line\nnext"}""", "map[s:line\nnext]")]
    public void Value_prints_decoded_json_as_go_does(string json, string expected) =>
        Assert.Equal(expected, GoFormat.Value(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{ "b" : [1, 2.50, true, null], "a" : "x" }""", """{"b":[1,2.50,true,null],"a":"x"}""")]
    [InlineData("""{"s":"quote \" back \\ <a&b> caf\u00e9 \u2028 +'"}""", """{"s":"quote \" back \\ \u003ca\u0026b\u003e café \u2028 +'"}""")]
    public void Json_escapes_like_go_encoding_json(string json, string expected) =>
        Assert.Equal(expected, GoFormat.Json(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(123456.0, "123456")]
    [InlineData(1000000.0, "1e+06")]
    [InlineData(1234567.0, "1.234567e+06")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(-2.5e-7, "-2.5e-07")]
    [InlineData(1e21, "1e+21")]
    [InlineData(100.25, "100.25")]
    public void Floats_print_like_go_percent_v(double value, string expected) => Assert.Equal(expected, GoFormat.Float(value));
}
