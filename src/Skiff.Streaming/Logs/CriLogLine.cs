using System.Globalization;
using System.Text;

namespace Skiff.Streaming.Logs;

/// <summary>
/// One line of a CRI container log file: <c>&lt;RFC3339Nano&gt; &lt;stdout|stderr&gt; &lt;F|P&gt; &lt;message&gt;</c>.
/// <c>P</c> marks a piece of a longer line (containerd cuts lines at 16 KiB); the <c>F</c> piece ends it.
/// </summary>
public readonly record struct CriLogLine(DateTimeOffset Time, string TimeText, bool IsStderr, bool Partial, ReadOnlyMemory<byte> Message)
{
    /// <summary>Parses one line without its trailing newline; false for anything that is not in the CRI format.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> line, out CriLogLine result)
    {
        result = default;
        var span = line.Span;
        var first = span.IndexOf((byte)' ');
        if (first <= 0)
        {
            return false;
        }

        var timeText = Encoding.ASCII.GetString(span[..first]);
        if (!TryParseTime(timeText, out var time))
        {
            return false;
        }

        var rest = span[(first + 1)..];
        var second = rest.IndexOf((byte)' ');
        if (second <= 0)
        {
            return false;
        }

        var stream = rest[..second];
        bool isStderr;
        if (stream.SequenceEqual("stdout"u8))
        {
            isStderr = false;
        }
        else if (stream.SequenceEqual("stderr"u8))
        {
            isStderr = true;
        }
        else
        {
            return false;
        }

        rest = rest[(second + 1)..];
        var third = rest.IndexOf((byte)' ');
        var tags = third < 0 ? rest : rest[..third];
        if (tags.IsEmpty || (tags[0] != (byte)'F' && tags[0] != (byte)'P'))
        {
            return false;
        }

        var messageStart = first + 1 + second + 1 + (third < 0 ? tags.Length : third + 1);
        result = new CriLogLine(time, timeText, isStderr, tags[0] == (byte)'P', line[messageStart..]);
        return true;
    }

    /// <summary>RFC 3339 with up to nine fractional digits (more than <see cref="DateTimeOffset"/> parses on its own).</summary>
    public static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        if (text.Length < 20)
        {
            return false;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var zone = text.IndexOfAny(['Z', 'z', '+'], 19);
        if (zone < 0)
        {
            zone = text.LastIndexOf('-');
            if (zone < 19)
            {
                return false;
            }
        }

        var baseText = dot > 0 && dot < zone ? text[..dot] : text[..zone];
        if (!DateTime.TryParseExact(baseText, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var dateTime))
        {
            return false;
        }

        long ticks = 0;
        if (dot > 0 && dot < zone)
        {
            var digits = text[(dot + 1)..zone];
            if (digits.Length == 0 || digits.Length > 9 || !digits.All(char.IsAsciiDigit))
            {
                return false;
            }

            ticks = long.Parse(digits.PadRight(9, '0')[..7], CultureInfo.InvariantCulture);
        }

        var offset = TimeSpan.Zero;
        if (text[zone] is not ('Z' or 'z'))
        {
            if (!TimeSpan.TryParseExact(text[(zone + 1)..], @"hh\:mm", CultureInfo.InvariantCulture, out offset))
            {
                return false;
            }

            if (text[zone] == '-')
            {
                offset = -offset;
            }
        }

        time = new DateTimeOffset(dateTime.AddTicks(ticks), offset);
        return true;
    }
}
