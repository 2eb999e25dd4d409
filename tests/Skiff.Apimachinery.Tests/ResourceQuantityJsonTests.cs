using System.Text.Json;
using k8s;
using k8s.Models;
using Skiff.Api.Json;

namespace Skiff.Apimachinery.Tests;

/// <summary>
/// The remembering quantity converter of <see cref="ModelJson"/> reads and writes exactly what the official client's
/// own converter does (its canonical forms, its numbers, its refusals), the first time and every time after, also past
/// the number of quantities it remembers.
/// </summary>
public sealed class ResourceQuantityJsonTests
{
    private static readonly string[] Quantities =
    [
        "10m", "100m", "1", "1.5", "0.1m", "0", "-1", "1k", "500M", "12e6", "1e3", "1E-3", "1024", "1Ki", "1.1Ki", "1.5Gi",
        "100Mi", "256Gi", "110", "32", "0.5", "2000m", "1000Mi", "7.5e-2", " 3 ", "9223372036854775807", "8Ei",
    ];

    [Fact]
    public void Every_quantity_is_written_as_the_official_client_writes_it_the_first_time_and_after()
    {
        foreach (var text in Quantities)
        {
            var expected = Official(text);
            for (var round = 0; round < 3; round++)
            {
                Assert.Equal(expected, RoundTrip(text));
            }
        }
    }

    [Fact]
    public void A_quantity_made_in_code_is_written_canonically_and_equal_values_of_another_format_keep_theirs()
    {
        var requests = new Dictionary<string, ResourceQuantity> { ["memory"] = new("1024"), ["storage"] = new("1Ki"), ["cpu"] = new("1.5") };
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal("""{"cpu":"1500m","memory":"1024","storage":"1Ki"}""", JsonSerializer.Serialize(requests.OrderBy(p => p.Key).ToDictionary(), ModelJson.Options));
        }
    }

    [Fact]
    public void Equal_values_read_in_other_formats_are_written_back_in_their_own()
    {
        // A ResourceQuantity equals another of the same value whatever its format: remembering must not mix them up.
        foreach (var (a, b) in (ValueTuple<string, string>[])[("1k", "1e3"), ("1Ki", "1024"), ("1", "1000m"), ("2Gi", "2147483648")])
        {
            Assert.Equal(new ResourceQuantity(a), new ResourceQuantity(b));
            for (var round = 0; round < 2; round++)
            {
                Assert.Equal(Official(a), RoundTrip(a));
                Assert.Equal(Official(b), RoundTrip(b));
            }
        }
    }

    [Fact]
    public void Numbers_and_nulls_are_read_as_the_official_client_reads_them()
    {
        foreach (var json in (string[])["""{"cpu":2}""", """{"cpu":0.5}""", """{"cpu":1e3}""", """{"cpu":null}"""])
        {
            var ours = JsonSerializer.Deserialize<Dictionary<string, ResourceQuantity?>>(json, ModelJson.Options)!["cpu"];
            var theirs = KubernetesJson.Deserialize<Dictionary<string, ResourceQuantity?>>(json)["cpu"];
            Assert.Equal(theirs?.ToString(), ours?.ToString());
        }
    }

    [Fact]
    public void A_malformed_quantity_is_refused_every_time_as_by_the_official_client()
    {
        foreach (var bad in (string[])["abc", "1Zi", "", "--1"])
        {
            var json = $$"""{"cpu":"{{bad}}"}""";
            var theirs = Record.Exception(() => KubernetesJson.Deserialize<Dictionary<string, ResourceQuantity>>(json));
            for (var round = 0; round < 2; round++)
            {
                var ours = Record.Exception(() => JsonSerializer.Deserialize<Dictionary<string, ResourceQuantity>>(json, ModelJson.Options));
                Assert.NotNull(ours);
                Assert.Equal(theirs?.GetType(), ours.GetType());
            }
        }
    }

    [Fact]
    public void A_quantity_too_large_to_write_is_still_read_and_fails_only_when_written_as_before()
    {
        var json = "\"123456789012345678901234567890123\"";
        var theirs = KubernetesJson.Deserialize<ResourceQuantity>(json);
        var ours = JsonSerializer.Deserialize<ResourceQuantity>(json, ModelJson.Options)!;
        Assert.Equal(theirs, ours);
        var official = Record.Exception(() => KubernetesJson.Serialize(theirs));
        Assert.NotNull(official);
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal(official.GetType(), Record.Exception(() => JsonSerializer.Serialize(ours, ModelJson.Options))?.GetType());
        }
    }

    [Fact]
    public void Past_what_it_remembers_it_still_reads_and_writes_every_quantity_right()
    {
        var converter = new ResourceQuantityJson();
        var options = new JsonSerializerOptions { Converters = { converter } };
        for (var i = 0; i < ResourceQuantityJson.Capacity + 500; i++)
        {
            var text = $"{i}m";
            var read = JsonSerializer.Deserialize<ResourceQuantity>($"\"{text}\"", options)!;
            Assert.Equal(JsonSerializer.Serialize(new ResourceQuantity(text).ToString()), JsonSerializer.Serialize(read, options));
        }

        // The first ones, remembered, are still right; escaped and long texts go the plain way.
        Assert.Equal("\"1\"", JsonSerializer.Serialize(JsonSerializer.Deserialize<ResourceQuantity>("\"1000m\"", options), options));
        Assert.Equal("\"10m\"", JsonSerializer.Serialize(JsonSerializer.Deserialize<ResourceQuantity>("\"\\u0031\\u0030m\"", options), options));
        var longText = "0." + new string('0', 70) + "1";
        Assert.Equal(JsonSerializer.Serialize(new ResourceQuantity(longText).ToString()), JsonSerializer.Serialize(JsonSerializer.Deserialize<ResourceQuantity>($"\"{longText}\"", options), options));
    }

    private static string RoundTrip(string text) =>
        JsonSerializer.Serialize(JsonSerializer.Deserialize<ResourceQuantity>(JsonSerializer.Serialize(text), ModelJson.Options), ModelJson.Options);

    private static string Official(string text) => KubernetesJson.Serialize(KubernetesJson.Deserialize<ResourceQuantity>(JsonSerializer.Serialize(text)));
}
