using Kefu.Nlu.Extractors.Duckling;
using static Kefu.Tests.Nlu.Duckling.DucklingTestKit;

namespace Kefu.Tests.Nlu.Duckling;

/// <summary>phone-number, email, url, cn-id-card and bank-card, in Chinese and English messages.</summary>
public class ContactExtractionTests
{
    [Theory]
    [InlineData("我的手机号13812345678", "13812345678", "13812345678")]
    [InlineData("电话 138 1234 5678", "138 1234 5678", "13812345678")]
    [InlineData("打+86 138-1234-5678找我", "+86 138-1234-5678", "(+86) 13812345678")]
    [InlineData("座机010-12345678", "010-12345678", "01012345678")]
    [InlineData("深圳0755-1234567", "0755-1234567", "07551234567")]
    [InlineData("拨(021)12345678", "(021)12345678", "02112345678")]
    [InlineData("客服热线400-123-4567", "400-123-4567", "4001234567")]
    [InlineData("联系电话：18600000000，谢谢", "18600000000", "18600000000")]
    [InlineData("号码是+8615900001111", "+8615900001111", "(+86) 15900001111")]
    [InlineData("手机19912345678收货", "19912345678", "19912345678")]
    [InlineData("call me on 13812345678", "13812345678", "13812345678")]
    [InlineData("my number is +86 139 0000 1111", "+86 139 0000 1111", "(+86) 13900001111")]
    [InlineData("office: 010-87654321", "010-87654321", "01087654321")]
    [InlineData("hotline 800-820-8820 any time", "800-820-8820", "8008208820")]
    [InlineData("text 17711112222 please", "17711112222", "17711112222")]
    public void Phone_numbers(string text, string body, string expected) => AssertOne(text, "phone-number", body, expected);

    [Theory]
    [InlineData("12812345678")]          // no mobile number starts 12
    [InlineData("1381234567")]           // ten digits
    [InlineData("订单号1381234567890")]   // a longer number
    [InlineData("010-1234")]
    [InlineData("0755-12345")]
    [InlineData("快递单号SF13812345678")]   // a tracking number
    public void Not_a_phone_number(string text) => AssertNone(text, "phone-number");

    [Theory]
    [InlineData("我的邮箱是kefu@example.com", "kefu@example.com")]
    [InlineData("发到 zhang.san@163.com 吧", "zhang.san@163.com")]
    [InlineData("邮箱：li_si+shop@qq.com。", "li_si+shop@qq.com")]
    [InlineData("wangwu2024@sina.com.cn谢谢", "wangwu2024@sina.com.cn")]
    [InlineData("请联系service@kefu.org", "service@kefu.org")]
    [InlineData("邮件地址a.b.c@mail.example.co", "a.b.c@mail.example.co")]
    [InlineData("发票寄到 invoice@company.cn", "invoice@company.cn")]
    [InlineData("(test@foo.io)", "test@foo.io")]
    [InlineData("我用的是Zhao@Example.COM", "Zhao@Example.COM")]
    [InlineData("账号 user-1@my-domain.net 登录不了", "user-1@my-domain.net")]
    [InlineData("email me at john_doe@gmail.com", "john_doe@gmail.com")]
    [InlineData("my address is jane@example.org.", "jane@example.org")]
    [InlineData("reach support@shop.example.com today", "support@shop.example.com")]
    [InlineData("<bob@test.dev>", "bob@test.dev")]
    [InlineData("write to x@y.io", "x@y.io")]
    public void Emails(string text, string address) => AssertOne(text, "email", address, address);

    [Theory]
    [InlineData("foo@bar")]
    [InlineData("@example.com")]
    [InlineData("邮箱是 abc@ 没写完")]
    public void Not_an_email(string text) => AssertNone(text, "email");

    [Theory]
    [InlineData("看这里https://example.com/a?b=1", "https://example.com/a?b=1")]
    [InlineData("官网 http://www.kefu.cn 查询", "http://www.kefu.cn")]
    [InlineData("访问www.example.cn。", "www.example.cn")]
    [InlineData("打开example.com/help就行", "example.com/help")]
    [InlineData("地址：https://shop.example.com:8080/orders/1", "https://shop.example.com:8080/orders/1")]
    [InlineData("链接(https://t.cn/abc)", "https://t.cn/abc")]
    [InlineData("登录 kefu.io 试试", "kefu.io")]
    [InlineData("下载地址ftp://files.example.org/a.zip", "ftp://files.example.org/a.zip")]
    [InlineData("点https://example.com/路径", "https://example.com/")]
    [InlineData("京东jd.com买的", "jd.com")]
    [InlineData("see https://docs.example.com/guide#setup", "https://docs.example.com/guide#setup")]
    [InlineData("go to www.example.org, then log in", "www.example.org")]
    [InlineData("visit example.net/faq?id=3.", "example.net/faq?id=3")]
    [InlineData("HTTP://EXAMPLE.COM", "HTTP://EXAMPLE.COM")]
    [InlineData("open http://localhost.dev:5800/x", "http://localhost.dev:5800/x")]
    public void Urls(string text, string url) => AssertOne(text, "url", url, url);

    [Theory]
    [InlineData("a@example.com")]   // an email, not a url
    [InlineData("node.js")]
    [InlineData("版本1.2.3")]
    public void Not_a_url(string text) => AssertNone(text, "url");

    [Fact]
    public void A_url_names_its_domain()
    {
        var entity = Assert.Single(Extract("https://Shop.Example.com:8080/orders/1", "url"));
        Assert.Equal("shop.example.com", entity.AdditionalInfo!.Value.GetProperty("domain").GetString());
    }

    [Theory]
    [InlineData("身份证号11010519491231002X", "11010519491231002X")]
    [InlineData("身份证 440304199001011233 请核对", "440304199001011233")]
    [InlineData("证件号码：31011519850615201x", "31011519850615201X")]
    [InlineData("510107200012314565", "510107200012314565")]
    [InlineData("我的身份证是32058319781111789X。", "32058319781111789X")]
    [InlineData("110101200002293331（闰年生日）", "110101200002293331")]
    [InlineData("号码440106199510100009", "440106199510100009")]
    [InlineData("330102196812011111", "330102196812011111")]
    [InlineData("孩子的420106201005052321", "420106201005052321")]
    [InlineData("650102199912310088末尾", "650102199912310088")]
    [InlineData("my ID is 11010519491231002X", "11010519491231002X")]
    [InlineData("id: 440304199001011233", "440304199001011233")]
    [InlineData("ID 31011519850615201X.", "31011519850615201X")]
    [InlineData("number 510107200012314565 please", "510107200012314565")]
    [InlineData("(330102196812011111)", "330102196812011111")]
    public void Chinese_id_cards(string text, string id) => AssertOne(text, "cn-id-card", text.Substring(text.IndexOf(id, StringComparison.OrdinalIgnoreCase), 18), id);

    [Theory]
    [InlineData("110105194912310021")]   // wrong check character (should be X)
    [InlineData("110105194902300020")]   // checksum right, but 1949-02-30 is no date
    [InlineData("440304203001011232")]   // checksum right, born in 2030
    [InlineData("11010519491231002")]    // 17 digits
    [InlineData("1101051949123100211")]  // 19 digits
    public void Not_an_id_card(string text) => AssertNone(text, "cn-id-card");

    [Fact]
    public void An_id_card_gives_its_birth_date()
    {
        var entity = Assert.Single(Extract("11010519491231002X", "cn-id-card"));
        Assert.Equal("1949-12-31", entity.AdditionalInfo!.Value.GetProperty("birth_date").GetString());
    }

    [Theory]
    [InlineData("卡号6222021234567890128", "6222021234567890128", "6222021234567890128", "unionpay")]
    [InlineData("卡号 6222 0212 3456 7890 128 谢谢", "6222 0212 3456 7890 128", "6222021234567890128", "unionpay")]
    [InlineData("622848001234567894", "622848001234567894", "622848001234567894", "unionpay")]
    [InlineData("银行卡6217000000000000004", "6217000000000000004", "6217000000000000004", "unionpay")]
    [InlineData("信用卡4111-1111-1111-1111", "4111-1111-1111-1111", "4111111111111111", "visa")]
    [InlineData("5555555555554444", "5555555555554444", "5555555555554444", "mastercard")]
    [InlineData("尾号是378282246310005的卡", "378282246310005", "378282246310005", "amex")]
    [InlineData("621483000000007", "621483000000007", "621483000000007", "unionpay")]
    [InlineData("卡：3530111333300000", "3530111333300000", "3530111333300000", "jcb")]
    [InlineData("6225880000000001", "6225880000000001", "6225880000000001", "unionpay")]
    [InlineData("card 4111 1111 1111 1111", "4111 1111 1111 1111", "4111111111111111", "visa")]
    [InlineData("my card is 5555555555554444.", "5555555555554444", "5555555555554444", "mastercard")]
    [InlineData("pay with 378282246310005", "378282246310005", "378282246310005", "amex")]
    [InlineData("UnionPay 622202000000000007 ok", "622202000000000007", "622202000000000007", "unionpay")]
    [InlineData("(6217000000000000004)", "6217000000000000004", "6217000000000000004", "unionpay")]
    public void Bank_cards(string text, string body, string digits, string issuer)
    {
        AssertOne(text, "bank-card", body, digits);
        Assert.Equal(issuer, Extract(text, "bank-card")[0].AdditionalInfo!.Value.GetProperty("issuer").GetString());
    }

    [Theory]
    [InlineData("6222021234567890127")]   // Luhn fails
    [InlineData("4111111111111112")]
    [InlineData("123456789012")]          // 12 digits
    [InlineData("13812345678")]
    public void Not_a_bank_card(string text) => AssertNone(text, "bank-card");

    [Fact]
    public void Check_digit_algorithms_match_known_numbers()
    {
        Assert.True(ContactExtractors.IsIdChecksumValid("11010519491231002X"));
        Assert.False(ContactExtractors.IsIdChecksumValid("110105194912310021"));
        Assert.True(ContactExtractors.IsLuhnValid("4111111111111111"));
        Assert.False(ContactExtractors.IsLuhnValid("4111111111111121"));
    }
}
