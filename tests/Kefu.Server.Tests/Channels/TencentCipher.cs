using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Kefu.Server.Tests.Channels;

/// <summary>
/// The tests' own copy of Tencent's message encryption (the WXBizMsgCrypt samples), written apart from the server's
/// WeChatCrypto so that the two check each other: ICryptoTransform with manual PKCS#7 to 32 bytes.
/// </summary>
internal sealed class TencentCipher(string token, string encodingAesKey, string receiveId)
{
    private readonly byte[] _key = Convert.FromBase64String(encodingAesKey + "=");

    public static string Signature(params string[] parts) =>
        Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts.Order(StringComparer.Ordinal))))).ToLowerInvariant();

    public string Encrypt(string message, string? receiver = null)
    {
        var body = Encoding.UTF8.GetBytes(message);
        var plain = new List<byte>(RandomNumberGenerator.GetBytes(16));
        plain.AddRange([(byte)(body.Length >> 24), (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length]);
        plain.AddRange(body);
        plain.AddRange(Encoding.UTF8.GetBytes(receiver ?? receiveId));
        var pad = 32 - plain.Count % 32;
        plain.AddRange(Enumerable.Repeat((byte)pad, pad));
        using var aes = Aes.Create();
        aes.Mode = CipherMode.CBC;
        aes.Padding = PaddingMode.None;
        using var encryptor = aes.CreateEncryptor(_key, _key[..16]);
        var bytes = plain.ToArray();
        return Convert.ToBase64String(encryptor.TransformFinalBlock(bytes, 0, bytes.Length));
    }

    /// <summary>The message and the receive id inside an Encrypt value.</summary>
    public (string Message, string ReceiveId) Decrypt(string encrypt)
    {
        using var aes = Aes.Create();
        aes.Mode = CipherMode.CBC;
        aes.Padding = PaddingMode.None;
        using var decryptor = aes.CreateDecryptor(_key, _key[..16]);
        var cipher = Convert.FromBase64String(encrypt);
        var plain = decryptor.TransformFinalBlock(cipher, 0, cipher.Length);
        plain = plain[..^plain[^1]];
        var length = (plain[16] << 24) | (plain[17] << 16) | (plain[18] << 8) | plain[19];
        return (Encoding.UTF8.GetString(plain, 20, length), Encoding.UTF8.GetString(plain, 20 + length, plain.Length - 20 - length));
    }

    /// <summary>The query of an encrypted request: timestamp, nonce and the msg_signature of <paramref name="encrypt"/>.</summary>
    public string Query(string encrypt, string? signingToken = null)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        const string nonce = "1372623149";
        return $"msg_signature={Signature(signingToken ?? token, timestamp, nonce, encrypt)}&timestamp={timestamp}&nonce={nonce}";
    }

    /// <summary>An encrypted reply's message, once its MsgSignature is checked.</summary>
    public string OpenReply(string xml)
    {
        var reply = XElement.Parse(xml);
        var encrypt = reply.Element("Encrypt")!.Value;
        Assert.Equal(Signature(token, reply.Element("TimeStamp")!.Value, reply.Element("Nonce")!.Value, encrypt), reply.Element("MsgSignature")!.Value);
        var (message, receiver) = Decrypt(encrypt);
        Assert.Equal(receiveId, receiver);
        return message;
    }
}
