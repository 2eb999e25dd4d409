using Skiff.Api.Json;
using System.Text.Json.Nodes;
using Skiff.Cli.Printing;

namespace Skiff.Cli.Tests;

public sealed class PrintingTests
{
    private static JsonObject Table(params string[][] rows) => new()
    {
        ["kind"] = "Table",
        ["columnDefinitions"] = new JsonArray(
            new JsonObject { ["name"] = "Name", ["format"] = "name", ["priority"] = 0 },
            new JsonObject { ["name"] = "Status", ["format"] = "", ["priority"] = 0 },
            new JsonObject { ["name"] = "Node", ["format"] = "", ["priority"] = 1 }),
        ["rows"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
        {
            ["cells"] = new JsonArray([.. r.Skip(1).Select(c => (JsonNode?)JsonValue.Create(c))]),
            ["object"] = new JsonObject { ["metadata"] = new JsonObject { ["namespace"] = r[0] } },
        })]),
    };

    private static async Task<string> PrintAsync(JsonObject table, TableOptions options)
    {
        using var output = new StringWriter();
        var printer = new TablePrinter(output, options);
        printer.Add(table, printHeader: true);
        await printer.FlushAsync(CancellationToken.None);
        return output.ToString();
    }

    [Fact]
    public async Task Table_pads_columns_to_the_widest_cell_plus_three_and_upper_cases_headers()
    {
        var text = await PrintAsync(Table(["default", "web-0", "Running", "n1"], ["default", "a", "Pending", "n2"]), new TableOptions(false, false, null, false));
        Assert.Equal("NAME    STATUS\nweb-0   Running\na       Pending\n", text);
    }

    [Fact]
    public async Task Wide_shows_priority_columns_and_all_namespaces_adds_the_namespace_column()
    {
        var text = await PrintAsync(Table(["kube-system", "x", "Running", "node-1"]), new TableOptions(true, true, null, false));
        Assert.Equal("NAMESPACE     NAME   STATUS    NODE\nkube-system   x      Running   node-1\n", text);
    }

    [Fact]
    public async Task Several_kinds_prefix_the_name_column_and_no_headers_drops_the_header()
    {
        var text = await PrintAsync(Table(["default", "web", "Running", "n"]), new TableOptions(false, false, "pod", true));
        Assert.Equal("pod/web   Running\n", text);
    }

    [Fact]
    public async Task Watch_rows_keep_the_header_widths()
    {
        using var output = new StringWriter();
        var writer = new TabWriter(output);
        writer.AddRow(["NAME", "STATUS", "AGE"]);
        writer.AddRow(["a-long-name", "Running", "1s"]);
        await writer.FlushAsync(CancellationToken.None);
        writer.AddRow(["b", "Done", "2s"]);
        await writer.FlushAsync(CancellationToken.None);
        Assert.Equal("NAME          STATUS    AGE\na-long-name   Running   1s\nb             Done      2s\n", output.ToString());
    }

    [Fact]
    public void Cells_print_numbers_and_booleans_raw_and_null_as_empty()
    {
        Assert.Equal("3", TablePrinter.Cell(JsonValue.Create(3)));
        Assert.Equal("true", TablePrinter.Cell(JsonValue.Create(true)));
        Assert.Equal(string.Empty, TablePrinter.Cell(null));
    }

    [Fact]
    public void Json_is_indented_by_four_with_sorted_keys_and_go_escaping()
    {
        var node = JsonNode.Parse("""{"b":[1,{"z":"<&>"}],"a":{},"c":[]}""");
        Assert.Equal("{\n    \"a\": {},\n    \"b\": [\n        1,\n        {\n            \"z\": \"\\u003c\\u0026\\u003e\"\n        }\n    ],\n    \"c\": []\n}", GoJson.Indented(node));
        Assert.Equal("""{"a":{},"b":[1,{"z":"\u003c\u0026\u003e"}],"c":[]}""", GoJson.Compact(node));
    }

    [Fact]
    public void Yaml_sorts_keys_puts_list_items_at_the_key_indent_and_quotes_like_go_yaml()
    {
        var node = JsonNode.Parse("""
            {"spec":{"containers":[{"name":"a","args":["1","true",""],"image":"nginx"}],"empty":{},"none":[]},
             "metadata":{"creationTimestamp":"2024-01-02T03:04:05Z","name":"x: y","note":"line1\nline2\n","n":null,"v":"- a","w":"*star"}}
            """);
        var expected = """
            metadata:
              creationTimestamp: "2024-01-02T03:04:05Z"
              "n": null
              name: 'x: y'
              note: |
                line1
                line2
              v: '- a'
              w: '*star'
            spec:
              containers:
              - args:
                - "1"
                - "true"
                - ""
                image: nginx
                name: a
              empty: {}
              none: []

            """.Replace("\r", string.Empty, StringComparison.Ordinal);
        Assert.Equal(expected, GoYaml.Serialize(node));
    }

    [Fact]
    public void Output_flag_rejects_unknown_formats_like_kubectl()
    {
        var error = Assert.Throws<CliException>(() => OutputFormat.Parse("xml"));
        Assert.Contains("unable to match a printer suitable for the output format \"xml\"", error.Message, StringComparison.Ordinal);
        Assert.Equal(OutputKind.Wide, OutputFormat.Parse("wide").Kind);
        Assert.Equal(OutputKind.JsonPath, OutputFormat.Parse("jsonpath={.a}").Kind);
    }

    [Fact]
    public void Describe_tab_writer_aligns_each_block_of_lines_separately()
    {
        var writer = new GoTabWriter(0, 2);
        writer.Write("Name:\tweb\nService Account:\tdefault\nIP:\t\nContainers:\n  main:\n    Image:\tnginx\n");
        Assert.Equal("Name:             web\nService Account:  default\nIP:               \nContainers:\n  main:\n    Image:  nginx\n", writer.ToString());
    }
}
