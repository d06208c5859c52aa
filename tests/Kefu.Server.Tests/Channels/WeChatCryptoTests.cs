using System.Text;
using System.Xml.Linq;
using Kefu.Server.Channels;

namespace Kefu.Server.Tests.Channels;

/// <summary>
/// Tencent's message encryption against the vectors of Tencent's own WXBizMsgCrypt samples (Official Account Python
/// sample, WeCom C# sample, Official Account Java test) and against the tests' separate <see cref="TencentCipher"/>.
/// </summary>
public sealed class WeChatCryptoTests
{
    // Official Account Python sample (WXBizMsgCrypt_test.py): token, key, appid, timestamp, nonce, msg_signature, Encrypt.
    private const string OaKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    private const string OaEncrypt =
        "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";

    // WeCom C# sample (Sample.cs): the corp id is the receive id.
    private const string WeComKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    private const string WeComEncrypt =
        "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";

    [Fact]
    public void The_official_account_sample_message_is_verified_and_decrypted()
    {
        var crypto = new WeChatCrypto("spamtest", OaKey, "wx2c2769f8efd9abc2");

        Assert.True(crypto.SignatureMatches("5d197aaffba7e9b25a30732f161a50dee96bd5fa", "1409735669", "1320562132", OaEncrypt));
        Assert.False(crypto.SignatureMatches("5d197aaffba7e9b25a30732f161a50dee96bd5fb", "1409735669", "1320562132", OaEncrypt));
        var message = XElement.Parse(crypto.Decrypt(OaEncrypt));
        Assert.Equal(("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "abcdteT", "6054768590064713728"),
            (message.Element("FromUserName")!.Value, message.Element("Content")!.Value, message.Element("MsgId")!.Value));
    }

    [Fact]
    public void The_wecom_sample_message_is_verified_and_decrypted_for_its_corp_id()
    {
        var crypto = new WeChatCrypto("QDG6eK", WeComKey, "wx5823bf96d3bd56c7");

        Assert.True(crypto.SignatureMatches("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", WeComEncrypt));
        var message = XElement.Parse(crypto.Decrypt(WeComEncrypt));
        Assert.Equal(("mycreate", "hello", "218"), (message.Element("FromUserName")!.Value, message.Element("Content")!.Value, message.Element("AgentID")!.Value));
    }

    [Fact]
    public void Encryption_with_the_java_samples_random_bytes_gives_their_ciphertext()
    {
        // Tencent's Java test (WXBizMsgCryptTest.java): randomStr "aaaabbbbccccdddd", appId "wxb11529c136998cb6".
        var crypto = new WeChatCrypto("pamtest", OaKey, "wxb11529c136998cb6");

        Assert.Equal("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==",
            crypto.Encrypt("我是中文abcd123", Encoding.ASCII.GetBytes("aaaabbbbccccdddd")));
    }

    [Fact]
    public void A_message_for_another_receiver_is_refused()
    {
        var crypto = new WeChatCrypto("spamtest", OaKey, "wx_other_app");

        var refused = Assert.Throws<WeChatCryptoException>(() => crypto.Decrypt(OaEncrypt));

        Assert.True(refused.WrongReceiver);
        Assert.Contains("'wx2c2769f8efd9abc2', not 'wx_other_app'", refused.Message);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAA")]                                              // not whole AES blocks
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]      // 32 bytes that decrypt to a bad padding
    public void Garbage_is_refused_as_undecryptable(string encrypt)
    {
        var refused = Assert.Throws<WeChatCryptoException>(() => new WeChatCrypto("t", OaKey, "wx1").Decrypt(encrypt));

        Assert.False(refused.WrongReceiver);
    }

    [Theory]
    [InlineData("中文 and ]]> of every length", "wx2c2769f8efd9abc2")]
    [InlineData("", "wx2c2769f8efd9abc2")]
    [InlineData("0123456789ab", "ww-a-corp-id-")]
    public void Encrypt_and_the_tests_cipher_agree_both_ways(string message, string receiver)
    {
        // 40 lengths in a row: every padding from 1 to 32 bytes, a whole block of it included.
        var crypto = new WeChatCrypto("tok", OaKey, receiver);
        var cipher = new TencentCipher("tok", OaKey, receiver);
        for (var extra = 0; extra < 40; extra++)
        {
            var text = message + new string('x', extra);
            Assert.Equal((text, receiver), cipher.Decrypt(crypto.Encrypt(text)));
            Assert.Equal(text, crypto.Decrypt(cipher.Encrypt(text)));
        }
    }

    [Fact]
    public void The_encrypted_reply_is_signed_and_opens_with_the_tests_cipher()
    {
        var reply = new WeChatCrypto("tok", OaKey, "wx1").EncryptedReply("<xml><Content><![CDATA[你好]]></Content></xml>");

        Assert.Equal("<xml><Content><![CDATA[你好]]></Content></xml>", new TencentCipher("tok", OaKey, "wx1").OpenReply(reply));
    }

    [Theory]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF")]    // 42 characters
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH")]  // 44
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF+")]   // not A-Z, a-z, 0-9
    public void A_key_that_is_not_43_letters_and_digits_is_refused(string key)
    {
        Assert.Null(WeChatCrypto.DecodeKey(key));
        Assert.Throws<ArgumentException>(() => new WeChatCrypto("t", key, "wx1"));
    }
}
