using Kefu.Nlu.Entities;
using Kefu.Privacy;

namespace Kefu.Tests.Privacy;

public sealed class RedactorTests
{
    private static readonly Redactor All = new(PiiDetectors.Phone | PiiDetectors.IdCard | PiiDetectors.BankCard | PiiDetectors.Email | PiiDetectors.Address);

    [Theory]
    [InlineData("我的手机号是13812345678，谢谢", "我的手机号是[phone]，谢谢")]
    [InlineData("电话 138 1234 5678 找我", "电话 [phone] 找我")]
    [InlineData("电话 138-1234-5678。", "电话 [phone]。")]
    [InlineData("+86 138 1234 5678", "[phone]")]
    [InlineData("+8613812345678", "[phone]")]
    [InlineData("8613812345678", "[phone]")]
    [InlineData("１３８１２３４５６７８", "[phone]")] // full-width digits
    [InlineData("call 19912345678 or 15011112222", "call [phone] or [phone]")]
    [InlineData("订单 2023 13812345678", "订单 2023 [phone]")]
    public void Mainland_mobile_numbers_are_masked(string text, string expected) =>
        Assert.Equal(expected, Redactor.Default.Redact(text));

    [Theory]
    [InlineData("12812345678")]          // 12 is no mobile prefix
    [InlineData("1381234567")]           // 10 digits
    [InlineData("138123456789")]         // 12 digits: part of a longer number
    [InlineData("SO13812345678")]        // inside an order number
    [InlineData("13812345678abc")]
    [InlineData("3.13812345678")]
    [InlineData("版本 1.3.8 共 100 件，价格 138.00 元")]
    public void Numbers_that_are_not_a_mobile_number_stay(string text) =>
        Assert.Same(text, Redactor.Default.Redact(text));

    [Theory]
    [InlineData("身份证11010519491231002X", "身份证[id_card]")]
    [InlineData("身份证 11010519491231002x 已提交", "身份证 [id_card] 已提交")]
    [InlineData("440304199003071248", "[id_card]")]
    [InlineData("440304 19900307 1248", "[id_card]")]
    [InlineData("４４０３０４１９９００３０７１２４８", "[id_card]")]
    public void Id_card_numbers_with_a_valid_check_character_are_masked(string text, string expected) =>
        Assert.Equal(expected, Redactor.Default.Redact(text));

    [Theory]
    [InlineData("440304199003071249")]   // check character 8 expected
    [InlineData("11010519491231002Y")]
    [InlineData("110105194912310021")]   // X expected
    [InlineData("440304199013071248")]   // month 13: and the check fails too
    public void Id_card_numbers_that_fail_the_check_stay(string text) =>
        Assert.Same(text, new Redactor(PiiDetectors.IdCard).Redact(text));

    [Fact]
    public void An_id_number_with_a_valid_check_but_an_impossible_date_stays()
    {
        // 2099-13-01 is no birth date; the check character is computed for it, so only the date rule keeps it out.
        var weights = new[] { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
        const string body = "44030420991301123";
        var check = "10X98765432"[body.Select((c, i) => (c - '0') * weights[i]).Sum() % 11];
        var text = body + check;
        Assert.Same(text, new Redactor(PiiDetectors.IdCard).Redact(text));
    }

    [Theory]
    [InlineData("卡号6222020200112233446", "卡号[bank_card]")]
    [InlineData("卡号 6222 0202 0011 2233 446 请查收", "卡号 [bank_card] 请查收")]
    [InlineData("4111-1111-1111-1111", "[bank_card]")]
    [InlineData("6234567890123456780", "[bank_card]")]
    public void Bank_card_numbers_passing_luhn_are_masked(string text, string expected) =>
        Assert.Equal(expected, Redactor.Default.Redact(text));

    [Theory]
    [InlineData("6222020200112233445")]  // Luhn fails
    [InlineData("4111111111111112")]
    [InlineData("1111111111111111111")]  // no issuer starts with 1
    [InlineData("9999999999999995")]     // Luhn passes, no card starts with 9
    public void Numbers_failing_luhn_or_the_issuer_prefix_stay(string text) =>
        Assert.Same(text, Redactor.Default.Redact(text));

    [Fact]
    public void Luhn_follows_iso_7812()
    {
        // The standard's worked example.
        Assert.True(NumberChecks.Luhn(Digits("79927398713")));
        Assert.False(NumberChecks.Luhn(Digits("79927398710")));
    }

    private static byte[] Digits(string s) => [.. s.Select(c => (byte)(c - '0'))];

    [Theory]
    [InlineData("邮箱是zhang.san@example.com。", "邮箱是[email]。")]
    [InlineData("mail me: a_b+c@mail.example.cn, thanks", "mail me: [email], thanks")]
    [InlineData("QQ邮箱 12345678@qq.com", "QQ邮箱 [email]")]
    [InlineData("13812345678@qq.com", "[email]")]
    public void Emails_are_masked_when_asked(string text, string expected) =>
        Assert.Equal(expected, All.Redact(text));

    [Theory]
    [InlineData("@everyone")]
    [InlineData("price @ 5.00")]
    [InlineData("a@b")]
    [InlineData("a@b.c")]
    public void Things_with_an_at_sign_that_are_no_email_stay(string text) =>
        Assert.Same(text, All.Redact(text));

    [Fact]
    public void Emails_stay_by_default() =>
        Assert.Equal("zhang@example.com", Redactor.Default.Redact("zhang@example.com"));

    [Theory]
    [InlineData("寄到：浙江省宁波市鄞州区天童南路588号", "寄到：[address]")]
    [InlineData("寄到浙江省宁波市鄞州区天童南路588号", "[address]")] // Chinese words right before it go with it (docs/privacy.md)
    [InlineData("地址：北京市海淀区中关村大街1号3栋502室，电话13900001111", "地址：[address]，电话[phone]")]
    [InlineData("上海市浦东新区世纪大道100号", "[address]")]
    public void Street_addresses_with_a_number_are_masked_when_asked(string text, string expected) =>
        Assert.Equal(expected, All.Redact(text));

    [Theory]
    [InlineData("我在北京市")]           // no street and number
    [InlineData("这条路真长")]
    public void Places_without_a_street_number_stay(string text) =>
        Assert.Same(text, All.Redact(text));

    [Fact]
    public void Custom_patterns_mask_their_matches()
    {
        var redactor = new Redactor(PiiDetectors.Default, [new CustomPattern("order", PatternRegex.Compile(@"SO\d{6}"), "[order]")]);
        Assert.Equal("订单 [order] 电话 [phone]", redactor.Redact("订单 SO123456 电话 13812345678"));
    }

    [Fact]
    public void Several_kinds_in_one_message_are_all_masked()
    {
        var text = "我叫张三，手机13812345678，身份证440304199003071248，卡号6222020200112233446，邮箱zs@example.com";
        Assert.Equal("我叫张三，手机[phone]，身份证[id_card]，卡号[bank_card]，邮箱[email]", All.Redact(text));
    }

    [Fact]
    public void A_phone_and_a_card_written_side_by_side_are_both_found() =>
        Assert.Equal("[phone] [bank_card]", Redactor.Default.Redact("13812345678 6222020200112233446"));

    [Fact]
    public void Text_without_personal_data_is_the_same_instance_and_allocates_nothing()
    {
        var text = "我想查一下订单 20231113 的物流，大概 3 天能到吗？价格是 199.00 元。";
        Assert.Same(text, All.Redact(text));
        Redactor.Default.Redact(text);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) Redactor.Default.Redact(text);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Off_changes_nothing() =>
        Assert.Same("13812345678", Redactor.Off.Redact("13812345678"));

    [Fact]
    public void Long_digit_runs_and_many_groups_neither_crash_nor_leak()
    {
        var longRun = new string('1', 5000) + " 13812345678";
        Assert.EndsWith(" [phone]", Redactor.Default.Redact(longRun));
        var groups = string.Join(" ", Enumerable.Repeat("12", 40)) + " 13812345678";
        Assert.EndsWith(" [phone]", Redactor.Default.Redact(groups));
    }
}
