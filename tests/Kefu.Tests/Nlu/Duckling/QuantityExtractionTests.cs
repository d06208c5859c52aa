using static Kefu.Tests.Nlu.Duckling.DucklingTestKit;

namespace Kefu.Tests.Nlu.Duckling;

/// <summary>number, amount-of-money, duration and distance, Chinese and English.</summary>
public class QuantityExtractionTests
{
    [Theory]
    [InlineData("三百五十", "三百五十", "350")]
    [InlineData("大概3.5万吧", "3.5万", "35000")]
    [InlineData("两千零八年", "两千零八", "2008")]
    [InlineData("一百二", "一百二", "120")]
    [InlineData("十五个", "十五", "15")]
    [InlineData("共1,234件", "1,234", "1234")]
    [InlineData("一万零五百", "一万零五百", "10500")]
    [InlineData("三万五", "三万五", "35000")]
    [InlineData("二十", "二十", "20")]
    [InlineData("1.2亿", "1.2亿", "120000000")]
    [InlineData("九十九", "九十九", "99")]
    [InlineData("价格350", "350", "350")]
    [InlineData("一亿三千万", "一亿三千万", "130000000")]
    [InlineData("买二零二四款", "二零二四", "2024")]
    [InlineData("取消一个", "一", "1")]
    [InlineData("给我打九折", "九", "9")]
    [InlineData("买三件", "三", "3")]
    public void Chinese_numbers(string text, string body, string expected) => AssertOne(text, "number", body, expected);

    [Theory]
    [InlineData("twenty one", "twenty one", "21")]
    [InlineData("it costs 3.5", "3.5", "3.5")]
    [InlineData("one hundred and five", "one hundred and five", "105")]
    [InlineData("two thousand", "two thousand", "2000")]
    [InlineData("forty-two items", "forty-two", "42")]
    [InlineData("a hundred", "a hundred", "100")]
    public void English_numbers(string text, string body, string expected) => AssertOne(text, "number", body, expected);

    [Theory]
    [InlineData("看一下")]
    [InlineData("统一")]
    [InlineData("万一不行呢")]
    [InlineData("第一")]
    [InlineData("千万不要")]
    [InlineData("十分满意")]
    [InlineData("张三")]             // a lone digit without a measure word: a name
    [InlineData("四川省")]
    [InlineData("经三路")]
    [InlineData("到哪一步了")]
    [InlineData("和图片不一样")]
    [InlineData("someone")]
    [InlineData("订单A123")]
    [InlineData("1点5公里")]         // 1.5 written with 点: neither 1 nor 5
    [InlineData("三点五")]
    [InlineData("十三点五倍")]       // nor 十 of 十三
    public void Not_a_number(string text) => AssertNone(text, "number");

    [Theory]
    [InlineData("¥200", "¥200", "200 CNY")]
    [InlineData("两百块", "两百块", "200 CNY")]
    [InlineData("50元", "50元", "50 CNY")]
    [InlineData("预算1.2万元", "1.2万元", "12000 CNY")]
    [InlineData("五毛", "五毛", "0.5 CNY")]
    [InlineData("三块五一斤", "三块五", "3.5 CNY")]
    [InlineData("两块三毛五", "两块三毛五", "2.35 CNY")]
    [InlineData("￥99.9包邮", "￥99.9", "99.9 CNY")]
    [InlineData("100人民币", "100人民币", "100 CNY")]
    [InlineData("500美元", "500美元", "500 USD")]
    [InlineData("100港币", "100港币", "100 HKD")]
    [InlineData("五分钱", "五分钱", "0.05 CNY")]
    [InlineData("退我30块钱", "30块钱", "30 CNY")]
    [InlineData("RMB200", "RMB200", "200 CNY")]
    public void Chinese_money(string text, string body, string expected) => AssertOne(text, "amount-of-money", body, expected);

    [Theory]
    [InlineData("it was $30", "$30", "30 USD")]
    [InlineData("30 dollars", "30 dollars", "30 USD")]
    [InlineData("€15 off", "€15", "15 EUR")]
    [InlineData("20 bucks", "20 bucks", "20 USD")]
    [InlineData("USD 100", "USD 100", "100 USD")]
    [InlineData("twenty dollars", "twenty dollars", "20 USD")]
    [InlineData("$1,200.50 total", "$1,200.50", "1200.5 USD")]
    public void English_money(string text, string body, string expected) => AssertOne(text, "amount-of-money", body, expected);

    [Theory]
    [InlineData("两块蛋糕")]    // pieces of cake
    [InlineData("五角星")]      // a five-pointed star
    [InlineData("五分钟")]      // minutes, not cents
    [InlineData("第一块")]
    [InlineData("30 apples")]
    public void Not_money(string text) => AssertNone(text, "amount-of-money");

    [Theory]
    [InlineData("两个小时", "两个小时", "2 hour 7200")]
    [InlineData("半小时", "半小时", "30 minute 1800")]
    [InlineData("3天", "3天", "3 day 259200")]
    [InlineData("一个半小时", "一个半小时", "90 minute 5400")]
    [InlineData("两周", "两周", "2 week 1209600")]
    [InlineData("三个月", "三个月", "3 month 7776000")]
    [InlineData("五分钟", "五分钟", "5 minute 300")]
    [InlineData("30秒", "30秒", "30 second 30")]
    [InlineData("保修一年", "一年", "1 year 31536000")]
    [InlineData("十天内", "十天", "10 day 864000")]
    [InlineData("两个星期", "两个星期", "2 week 1209600")]
    [InlineData("等了半个小时了", "半个小时", "30 minute 1800")]
    public void Chinese_durations(string text, string body, string expected) => AssertOne(text, "duration", body, expected);

    [Theory]
    [InlineData("2 hours", "2 hours", "2 hour 7200")]
    [InlineData("a week", "a week", "1 week 604800")]
    [InlineData("half an hour", "half an hour", "30 minute 1800")]
    [InlineData("90 mins", "90 mins", "90 minute 5400")]
    [InlineData("1.5 hours", "1.5 hours", "90 minute 5400")]
    [InlineData("three days", "three days", "3 day 259200")]
    public void English_durations(string text, string body, string expected) => AssertOne(text, "duration", body, expected);

    [Theory]
    [InlineData("3月")]          // March
    [InlineData("一年级")]        // first grade
    [InlineData("今天")]
    [InlineData("2024年")]
    [InlineData("oh")]
    public void Not_a_duration(string text) => AssertNone(text, "duration");

    [Theory]
    [InlineData("3公里", "3公里", "3 kilometre")]
    [InlineData("五百米", "五百米", "500 metre")]
    [InlineData("2.5千米", "2.5千米", "2.5 kilometre")]
    [InlineData("10厘米", "10厘米", "10 centimetre")]
    [InlineData("3英里", "3英里", "3 mile")]
    [InlineData("800米", "800米", "800 metre")]
    [InlineData("20毫米", "20毫米", "20 millimetre")]
    [InlineData("一百公里", "一百公里", "100 kilometre")]
    [InlineData("5公分", "5公分", "5 centimetre")]
    [InlineData("离我1.5公里", "1.5公里", "1.5 kilometre")]
    public void Chinese_distances(string text, string body, string expected) => AssertOne(text, "distance", body, expected);

    [Theory]
    [InlineData("2 km", "2 km", "2 kilometre")]
    [InlineData("5 miles away", "5 miles", "5 mile")]
    [InlineData("800m", "800m", "800 metre")]
    [InlineData("10 feet", "10 feet", "10 foot")]
    [InlineData("three kilometers", "three kilometers", "3 kilometre")]
    public void English_distances(string text, string body, string expected) => AssertOne(text, "distance", body, expected);

    [Theory]
    [InlineData("5 min")]
    [InlineData("5 million")]
    [InlineData("大米")]
    [InlineData("1点5公里")]     // 1.5 km written with 点: not read, and never as 5 km
    [InlineData("三点五公里")]
    public void Not_a_distance(string text) => AssertNone(text, "distance");

    [Fact]
    public void A_number_inside_a_wider_reading_is_not_reported_twice()
    {
        const string text = "3天后付50元";
        var config = new Kefu.Nlu.Extractors.Duckling.DucklingConfig(["time", "number", "amount-of-money", "duration"], "zh_CN", "Asia/Shanghai");
        var entities = new Kefu.Nlu.Extractors.Duckling.DucklingEntityExtractor(config).Extract(text, Reference);
        Assert.Equal([("3天后", "time"), ("50元", "amount-of-money")], entities.Select(e => (text[e.Start..e.End], e.Entity)));
    }
}
