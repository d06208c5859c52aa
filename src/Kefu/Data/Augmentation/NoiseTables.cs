namespace Kefu.Data.Augmentation;

/// <summary>
/// The confusions typing produces. Keyboard: neighbours on a QWERTY layout (row above, same row, row below).
/// Chinese: pinyin input methods pick a same-sounding character (homophones), handwriting and Wubi input a
/// same-shaped one. The tables are small and hand-written — groups of characters customer-service text uses,
/// not a full pinyin dictionary — so the Chinese method only touches characters listed here.
/// </summary>
internal static class NoiseTables
{
    private static readonly string[] KeyboardRows = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

    public static readonly IReadOnlyDictionary<char, string> KeyboardNeighbours = BuildKeyboard();

    // Each string is one group; any character may be typed for any other of its group.
    private static readonly string[] HomophoneGroups =
    [
        "的地得", "在再", "做作坐座", "已以", "账帐丈", "象像向项", "到道倒", "他她它", "哪那", "吗嘛马码",
        "原元园员圆源", "付附副复富", "支只知之汁", "换还环缓", "钱前潜", "快块", "发法罚", "票漂", "期其齐起七",
        "费飞非废", "取去趣", "收手守首", "送宋", "保包报宝饱", "修休", "改该盖", "址指纸旨", "寄记及极级急",
        "物务误悟", "流留刘", "查茶差", "问闻文", "帮邦", "邮由有友又优", "客课刻", "服福扶", "递第地弟",
        "户互护", "密蜜", "登等灯", "录路陆", "购够构", "装状撞", "件见建健", "价假架", "格隔", "惠会汇",
        "券劝", "分份", "活或火", "动东冬", "商伤上", "品拼", "量两亮", "题提体", "颜言严", "号好", "订定",
        "单担", "货获", "退腿", "款宽", "尺吃", "时十实", "请情清晴", "谢些写",
        "系细戏", "联连", "信新心", "卡咖", "办半伴", "理里礼", "消小销笑", "息习洗",
    ];

    private static readonly string[] ShapeGroups =
    [
        "未末", "己已巳", "人入", "土士", "日曰", "折拆", "货贷", "侯候", "拔拨", "辩辨辫", "即既", "休体",
        "侍待", "壁璧", "准淮", "买卖", "处外", "天夭", "王玉主", "大太犬", "问间", "免兔", "鸟乌", "情清",
    ];

    public static readonly IReadOnlyDictionary<char, string> ChineseConfusions = BuildChinese();

    private static Dictionary<char, string> BuildKeyboard()
    {
        var map = new Dictionary<char, string>();
        for (int r = 0; r < KeyboardRows.Length; r++)
            for (int c = 0; c < KeyboardRows[r].Length; c++)
            {
                var near = new List<char>();
                for (int dr = -1; dr <= 1; dr++)
                {
                    int row = r + dr;
                    if (row < 0 || row >= KeyboardRows.Length) continue;
                    for (int dc = -1; dc <= 1; dc++)
                    {
                        int col = c + dc;
                        if (dr == 0 && dc == 0) continue;
                        if (col >= 0 && col < KeyboardRows[row].Length) near.Add(KeyboardRows[row][col]);
                    }
                }
                map[KeyboardRows[r][c]] = new string(near.Distinct().ToArray());
            }
        return map;
    }

    private static Dictionary<char, string> BuildChinese()
    {
        var sets = new Dictionary<char, HashSet<char>>();
        foreach (var group in HomophoneGroups.Concat(ShapeGroups))
            foreach (char c in group)
            {
                if (!sets.TryGetValue(c, out var set)) sets[c] = set = [];
                foreach (char other in group) if (other != c) set.Add(other);
            }
        return sets.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => new string(kv.Value.Order().ToArray()));
    }
}
