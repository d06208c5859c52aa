using static Kefu.Tests.Nlu.Duckling.DucklingTestKit;

namespace Kefu.Tests.Nlu.Duckling;

/// <summary>The time dimension at Wednesday 2024-11-13 10:30 +08:00 (Asia/Shanghai).</summary>
public class TimeExtractionTests
{
    const string Time = "time";

    [Theory]
    [InlineData("明天下午三点", "明天下午三点", "2024-11-14T15:00:00.000+08:00 hour")]
    [InlineData("我想预约下周一上午", "下周一上午", "2024-11-18T04:00:00.000+08:00/2024-11-18T12:00:00.000+08:00 hour")]
    [InlineData("12月5号发货", "12月5号", "2024-12-05T00:00:00.000+08:00 day")]
    [InlineData("大后天到", "大后天", "2024-11-16T00:00:00.000+08:00 day")]
    [InlineData("两个小时后给我回电话", "两个小时后", "2024-11-13T12:30:00.000+08:00 minute")]
    [InlineData("今晚八点半见", "今晚八点半", "2024-11-13T20:30:00.000+08:00 minute")]
    [InlineData("后天早上9点送到", "后天早上9点", "2024-11-15T09:00:00.000+08:00 hour")]
    [InlineData("周五能到吗", "周五", "2024-11-15T00:00:00.000+08:00 day")]
    [InlineData("三天后再说", "三天后", "2024-11-16T10:00:00.000+08:00 hour")]
    [InlineData("下个月十号还款", "下个月十号", "2024-12-10T00:00:00.000+08:00 day")]
    [InlineData("今晚有空吗", "今晚", "2024-11-13T18:00:00.000+08:00/2024-11-14T00:00:00.000+08:00 hour")]
    [InlineData("半小时后", "半小时后", "2024-11-13T11:00:00.000+08:00 second")]
    [InlineData("三天前下的单", "三天前", "2024-11-10T10:00:00.000+08:00 hour")]
    [InlineData("下周三", "下周三", "2024-11-20T00:00:00.000+08:00 day")]
    [InlineData("这周五之前", "这周五", "2024-11-15T00:00:00.000+08:00 day")]
    [InlineData("上周日买的", "上周日", "2024-11-10T00:00:00.000+08:00 day")]
    [InlineData("2025年1月1日", "2025年1月1日", "2025-01-01T00:00:00.000+08:00 day")]
    [InlineData("10月1号那天", "10月1号", "2025-10-01T00:00:00.000+08:00 day")]
    [InlineData("下午3点", "下午3点", "2024-11-13T15:00:00.000+08:00 hour")]
    [InlineData("3点可以吗", "3点", "2024-11-13T15:00:00.000+08:00 hour")]
    [InlineData("明天早上8点半", "明天早上8点半", "2024-11-14T08:30:00.000+08:00 minute")]
    [InlineData("下周有空", "下周", "2024-11-18T00:00:00.000+08:00 week")]
    [InlineData("明晚", "明晚", "2024-11-14T18:00:00.000+08:00/2024-11-15T00:00:00.000+08:00 hour")]
    [InlineData("今天晚上12点", "今天晚上12点", "2024-11-14T00:00:00.000+08:00 hour")]
    [InlineData("2月29号", "2月29号", "2028-02-29T00:00:00.000+08:00 day")]
    [InlineData("星期天下午两点", "星期天下午两点", "2024-11-17T14:00:00.000+08:00 hour")]
    [InlineData("十二月五号", "十二月五号", "2024-12-05T00:00:00.000+08:00 day")]
    [InlineData("明天的下午三点一刻", "明天的下午三点一刻", "2024-11-14T15:15:00.000+08:00 minute")]
    [InlineData("三天后下午三点", "三天后下午三点", "2024-11-16T15:00:00.000+08:00 hour")]
    [InlineData("下午三点五分", "下午三点五分", "2024-11-13T15:05:00.000+08:00 minute")]
    [InlineData("下午三点二十", "下午三点二十", "2024-11-13T15:20:00.000+08:00 minute")]
    [InlineData("这周末", "这周末", "2024-11-15T18:00:00.000+08:00/2024-11-18T00:00:00.000+08:00 hour")]
    [InlineData("一个半小时后", "一个半小时后", "2024-11-13T12:00:00.000+08:00 second")]
    [InlineData("半个月后", "半个月后", "2024-11-28T10:00:00.000+08:00 hour")]
    [InlineData("明天 3pm", "明天 3pm", "2024-11-14T15:00:00.000+08:00 hour")]
    [InlineData("这周天气不错", "这周", "2024-11-11T00:00:00.000+08:00 week")]
    public void Chinese(string text, string body, string expected) => AssertOne(text, Time, body, expected);

    [Theory]
    [InlineData("can you come tomorrow at 3pm", "tomorrow at 3pm", "2024-11-14T15:00:00.000+08:00 hour")]
    [InlineData("next Monday works", "next Monday", "2024-11-18T00:00:00.000+08:00 day")]
    [InlineData("call me in 2 hours", "in 2 hours", "2024-11-13T12:30:00.000+08:00 minute")]
    [InlineData("delivery on Dec 5", "on Dec 5", "2024-12-05T00:00:00.000+08:00 day")]
    [InlineData("tonight at 8:30", "tonight at 8:30", "2024-11-13T20:30:00.000+08:00 minute")]
    [InlineData("I ordered 3 days ago", "3 days ago", "2024-11-10T10:00:00.000+08:00 hour")]
    [InlineData("this morning", "this morning", "2024-11-13T04:00:00.000+08:00/2024-11-13T12:00:00.000+08:00 hour")]
    [InlineData("3pm tomorrow please", "3pm tomorrow", "2024-11-14T15:00:00.000+08:00 hour")]
    [InlineData("see you Friday", "Friday", "2024-11-15T00:00:00.000+08:00 day")]
    [InlineData("in a week", "in a week", "2024-11-20T00:00:00.000+08:00 day")]
    [InlineData("on 2024-12-25", "2024-12-25", "2024-12-25T00:00:00.000+08:00 day")]
    [InlineData("December 5th, 2025", "December 5th, 2025", "2025-12-05T00:00:00.000+08:00 day")]
    [InlineData("tomorrow morning", "tomorrow morning", "2024-11-14T04:00:00.000+08:00/2024-11-14T12:00:00.000+08:00 hour")]
    [InlineData("at noon", "at noon", "2024-11-13T12:00:00.000+08:00 hour")]
    [InlineData("in half an hour", "in half an hour", "2024-11-13T11:00:00.000+08:00 second")]
    public void English(string text, string body, string expected) => AssertOne(text, Time, body, expected);

    [Theory]
    [InlineData("2月30号")]       // no such day
    [InlineData("下下下周八")]     // no such weekday, and no 下下下周
    [InlineData("25点")]           // no such hour
    [InlineData("周八")]
    [InlineData("13月1号")]
    [InlineData("32号")]
    [InlineData("上午15点")]       // a morning has no 15:00
    [InlineData("能便宜一点吗")]   // 一点 is "a little"
    [InlineData("我有三点要求")]   // three points, not three o'clock
    [InlineData("三点五")]         // 3.5: five past three is 三点零五 or 三点五分
    [InlineData("评分4点5")]
    [InlineData("下午好")]         // a part of the day alone is latent
    [InlineData("3号楼")]          // building 3
    [InlineData("中山路18号")]     // an address
    [InlineData("有没有大一号的")] // a size
    [InlineData("周期很长")]         // 周 without a weekday
    [InlineData("Feb 30")]
    [InlineData("at 25:00")]
    [InlineData("13pm")]
    [InlineData("good morning")]
    [InlineData("I bought it at 5 stores")]
    public void Not_a_time(string text) => AssertNone(text, Time);

    [Fact]
    public void An_invalid_date_is_dropped_whole_not_cut_short()
    {
        // "2月30号" must not fall back to "2月" (the month of February), nor "25点" to a number-less hour
        var entities = Extract("2月30号和25点", Time);
        Assert.Empty(entities);
    }

    [Fact]
    public void The_same_words_move_with_the_reference_time()
    {
        var sunday = new DateTimeOffset(2024, 12, 29, 23, 0, 0, TimeSpan.FromHours(8));
        var entity = Assert.Single(Extract("明天下午三点", Time, sunday));
        Assert.Equal("2024-12-30T15:00:00.000+08:00 hour", Describe(entity));
        entity = Assert.Single(Extract("下周一", Time, sunday));
        Assert.Equal("2024-12-30T00:00:00.000+08:00 day", Describe(entity));
    }

    [Fact]
    public void The_reference_instant_is_read_in_the_configured_zone()
    {
        // 2024-11-13 20:00 UTC is already the 14th in Shanghai: 明天 is the 15th
        var entity = Assert.Single(Extract("明天", Time, new DateTimeOffset(2024, 11, 13, 20, 0, 0, TimeSpan.Zero)));
        Assert.Equal("2024-11-15T00:00:00.000+08:00 day", Describe(entity));
    }

    [Fact]
    public void Two_times_in_one_message_are_two_entities()
    {
        const string text = "周一到周五上午";
        var entities = Extract(text, Time);
        Assert.Equal(["周一", "周五上午"], entities.Select(e => text[e.Start..e.End]));
    }

    [Fact]
    public void Value_text_is_the_iso_time_and_an_interval_is_to_and_from()
    {
        var instant = Assert.Single(Extract("明天下午三点", Time));
        Assert.Equal("2024-11-14T15:00:00.000+08:00", instant.Value);
        var interval = Assert.Single(Extract("今晚", Time));
        Assert.Equal("""{"to":"2024-11-14T00:00:00.000+08:00","from":"2024-11-13T18:00:00.000+08:00"}""", interval.Value);
    }
}
